export const sections = [
  'servers',
  'setup',
  'dashboard',
  'status',
  'mail',
  'dns',
  'backups',
  'updates',
  'settings',
] as const;
export type Section = (typeof sections)[number];
