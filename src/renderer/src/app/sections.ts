export const sections = [
  'servers',
  'setup',
  'dashboard',
  'mail',
  'dns',
  'backups',
  'updates',
  'settings',
] as const;
export type Section = (typeof sections)[number];
