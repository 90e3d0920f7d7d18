/**
 * The steps a deploy reports, in order (progress events use these as `step`). Free of any library,
 * so the renderer can list them without bundling the schemas.
 */
export const deploySteps = [
  'connect',
  'docker',
  'disk',
  'image',
  'config',
  'init',
  'containers',
  'health',
  'firewall',
  'backups',
  'done',
] as const;
export type DeployStep = (typeof deploySteps)[number];
