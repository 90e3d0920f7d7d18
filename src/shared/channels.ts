/**
 * The names of the contract's methods and events, free of any library, so the sandboxed
 * preload can bind them without bundling the schemas. contract.ts checks it matches.
 */
export const methods = [
  'appInfo',
  'listServers',
  'scanHostKey',
  'addServer',
  'checkServer',
  'removeServer',
  'runPreflight',
  'dnsPlan',
  'dnsCheck',
  'dnsApply',
  'dnsSavedProvider',
  'serverAccess',
  'provideSudoPassword',
  'installDocker',
  'deployStack',
  'deploymentInfo',
  'exportCompose',
  'certificateStatus',
  'requestCertificate',
  'listMailboxes',
  'createMailbox',
  'clientSettings',
  'runStatusChecks',
  'alertEmails',
  'setAlertEmails',
  'listAlerts',
  'listDomains',
  'addDomain',
  'removeDomain',
  'listMailboxDetails',
  'setMailboxQuota',
  'setMailboxState',
  'deleteMailbox',
  'listAliases',
  'addAlias',
  'updateAlias',
  'removeAlias',
  'resetMailboxPassword',
  'createAppPassword',
  'revokeAppPassword',
  'clientSetup',
  'appleProfile',
  'sendTestEmail',
  'serverMetrics',
  'serverHealth',
  'serversOverview',
  'backupSettings',
  'setBackupSettings',
  'listBackups',
  'backupContents',
  'runBackup',
  'restoreServer',
  'restoreMailbox',
  'verifyRestore',
  'downloadBackups',
  'restoreOntoNewServer',
] as const;
export const eventNames = ['progress', 'log', 'alert'] as const;

export type Method = (typeof methods)[number];
export type EventName = (typeof eventNames)[number];

export const ipcChannel = (method: Method): string => `facteur:${method}`;
export const eventChannel = (event: EventName): string => `facteur-event:${event}`;
