import { z } from 'zod';
import {
  aliasRef,
  appleProfile,
  appleProfileRequest,
  appPasswordRef,
  clientSetup,
  createAppPasswordRequest,
  createdAppPassword,
  deleteMailboxRequest,
  domainRequest,
  listAliasesRequest,
  listMailboxDetailsRequest,
  mailAlias,
  mailboxDetails,
  mailboxRef,
  mailDomain,
  newPassword,
  saveAliasRequest,
  setMailboxQuotaRequest,
  setMailboxStateRequest,
  testEmailResult,
} from './admin';
import {
  backupContents,
  backupContentsRequest,
  backupList,
  backupSettings,
  downloadBackupsRequest,
  downloadBackupsResult,
  restoreMailboxRequest,
  restoreOntoNewServerRequest,
  restoreOntoNewServerResult,
  restoreResult,
  restoreServerRequest,
  restoreVerification,
  runBackupRequest,
  runBackupResult,
  setBackupSettingsRequest,
  verifyRestoreRequest,
} from './backup';
import type { EventName as ChannelEvent, Method as ChannelMethod } from './channels';
import {
  dnsApplyRequest,
  dnsApplyResult,
  dnsCheckReport,
  dnsPlan,
  dnsPlanRequest,
  dnsSavedProvider,
  dnsSavedProviderRequest,
} from './dns';
import {
  composeExport,
  deployRequest,
  deployResult,
  deploymentInfo,
  installDockerRequest,
  installDockerResult,
  serverAccess,
  sudoPasswordRequest,
} from './deploy';
import {
  alert,
  alertEmails,
  alertList,
  runStatusChecksRequest,
  setAlertEmailsRequest,
  statusReport,
} from './status';
import {
  certificateStatus,
  clientSettings,
  clientSettingsRequest,
  createMailboxRequest,
  createdMailbox,
  mailbox,
  requestCertificateRequest,
} from './mailbox';
import {
  exportedRecoveryKit,
  exportRecoveryKitRequest,
  importedRecoveryKit,
  importRecoveryKitRequest,
} from './recovery-kit';
import { serverHealth, serverMetrics, serverMetricsRequest, serversOverview } from './operate';
import {
  setUnattendedUpgradesRequest,
  setUpgradeSettingsRequest,
  unattendedUpgradesState,
  upgradeRequest,
  upgradeResult,
  upgradeSettings,
  upgradeVersions,
} from './upgrade';

/**
 * The one contract between renderer and main. Every method is declared here once with its
 * request and response schemas; main validates each request, the preload and the browser host
 * expose exactly these methods, and push events are declared in `events`.
 */

const hostname = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, 'Use a host name or an IP address');
const port = z.number().int().min(1).max(65535);
const username = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z_][a-z0-9_.-]*$/i, 'Use a plain user name');
const fingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/);

export const serverAuth = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('privateKey'),
    privateKey: z.string().min(1).max(20_000),
    passphrase: z.string().max(1024).optional(),
  }),
  z.object({ kind: z.literal('password'), password: z.string().min(1).max(1024) }),
]);

export const serverFacts = z.object({
  os: z.string(),
  arch: z.string(),
  ramBytes: z.number(),
  diskTotalBytes: z.number(),
  diskFreeBytes: z.number(),
  dockerVersion: z.string().nullable(),
  checkedAt: z.string(),
});

export const serverProfile = z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  port: z.number(),
  user: z.string(),
  hostKeyFingerprint: fingerprint,
  addedAt: z.string(),
  facts: serverFacts.nullable(),
});

export const preflightCheck = z.object({
  id: z.enum([
    'os',
    'arch',
    'memory',
    'disk',
    'privileges',
    'docker',
    'ports',
    'clock',
    'addresses',
    'ptr',
    'smtpOut',
    'reachability',
  ]),
  status: z.enum(['ok', 'warn', 'fail', 'unknown']),
  /** What was found, short (e.g. "2.0 GB", "25, 80"). */
  value: z.string(),
  /** A plain-language sentence; `fix` says what to do when the status is not ok. */
  message: z.string(),
  fix: z.string().optional(),
});

export const preflightReport = z.object({
  serverId: z.string(),
  ranAt: z.string(),
  checks: z.array(preflightCheck),
});

export const hostKeyScan = z.object({ algorithm: z.string(), fingerprint });

const empty = z.object({}).strict();
const serverId = z.object({ id: z.string().min(1).max(64) }).strict();

export const contract = {
  appInfo: {
    request: empty,
    response: z.object({
      name: z.string(),
      version: z.string(),
      runtime: z.enum(['electron', 'browser', 'cli']),
    }),
  },
  listServers: { request: empty, response: z.array(serverProfile) },
  scanHostKey: {
    request: z.object({ host: hostname, port: port.default(22) }).strict(),
    response: hostKeyScan,
  },
  addServer: {
    request: z
      .object({
        name: z.string().trim().max(80).optional(),
        host: hostname,
        port: port.default(22),
        user: username,
        auth: serverAuth,
        confirmedFingerprint: fingerprint,
      })
      .strict(),
    response: serverProfile,
  },
  checkServer: { request: serverId, response: serverProfile },
  removeServer: { request: serverId, response: z.object({ removed: z.boolean() }) },
  runPreflight: { request: serverId, response: preflightReport },
  // DNS wizard (schemas in dns.ts): the record set, live checks, and applying through a provider.
  dnsPlan: { request: dnsPlanRequest, response: dnsPlan },
  dnsCheck: { request: dnsPlanRequest, response: dnsCheckReport },
  dnsApply: { request: dnsApplyRequest, response: dnsApplyResult },
  dnsSavedProvider: { request: dnsSavedProviderRequest, response: dnsSavedProvider },
  // Deploy journey (schemas in deploy.ts): privileges, Docker, the stack itself.
  serverAccess: { request: serverId, response: serverAccess },
  provideSudoPassword: { request: sudoPasswordRequest, response: serverAccess },
  installDocker: { request: installDockerRequest, response: installDockerResult },
  deployStack: { request: deployRequest, response: deployResult },
  deploymentInfo: { request: serverId, response: deploymentInfo },
  exportCompose: { request: serverId, response: composeExport },
  // Certificates and mailboxes (schemas in mailbox.ts), through the server's control API.
  certificateStatus: { request: serverId, response: certificateStatus },
  requestCertificate: { request: requestCertificateRequest, response: certificateStatus },
  listMailboxes: { request: serverId, response: z.array(mailbox) },
  createMailbox: { request: createMailboxRequest, response: createdMailbox },
  clientSettings: { request: clientSettingsRequest, response: clientSettings },
  // Status checks and desktop alerts (schemas in status.ts).
  runStatusChecks: { request: runStatusChecksRequest, response: statusReport },
  alertEmails: { request: runStatusChecksRequest, response: alertEmails },
  setAlertEmails: { request: setAlertEmailsRequest, response: alertEmails },
  listAlerts: { request: empty, response: alertList },
  // Mail administration and client setup (schemas in admin.ts), through the control API.
  listDomains: { request: serverId, response: z.array(mailDomain) },
  addDomain: { request: domainRequest, response: mailDomain },
  removeDomain: { request: domainRequest, response: z.object({ removed: z.boolean() }) },
  listMailboxDetails: { request: listMailboxDetailsRequest, response: z.array(mailboxDetails) },
  setMailboxQuota: { request: setMailboxQuotaRequest, response: mailboxDetails },
  setMailboxState: { request: setMailboxStateRequest, response: mailboxDetails },
  deleteMailbox: { request: deleteMailboxRequest, response: z.object({ deleted: z.boolean() }) },
  listAliases: { request: listAliasesRequest, response: z.array(mailAlias) },
  addAlias: { request: saveAliasRequest, response: mailAlias },
  updateAlias: { request: saveAliasRequest, response: mailAlias },
  removeAlias: { request: aliasRef, response: z.object({ removed: z.boolean() }) },
  resetMailboxPassword: { request: mailboxRef, response: newPassword },
  createAppPassword: { request: createAppPasswordRequest, response: createdAppPassword },
  revokeAppPassword: { request: appPasswordRef, response: z.object({ revoked: z.boolean() }) },
  clientSetup: { request: mailboxRef, response: clientSetup },
  appleProfile: { request: appleProfileRequest, response: appleProfile },
  sendTestEmail: { request: mailboxRef, response: testEmailResult },
  // Dashboard (schemas in operate.ts): metrics and health through the control API.
  serverMetrics: { request: serverMetricsRequest, response: serverMetrics },
  serverHealth: { request: serverId, response: serverHealth },
  serversOverview: { request: empty, response: serversOverview },
  // Backups and restores (schemas in backup.ts); long ones push `progress` events with their operation id.
  backupSettings: { request: serverId, response: backupSettings },
  setBackupSettings: { request: setBackupSettingsRequest, response: backupSettings },
  listBackups: { request: serverId, response: backupList },
  backupContents: { request: backupContentsRequest, response: backupContents },
  runBackup: { request: runBackupRequest, response: runBackupResult },
  restoreServer: { request: restoreServerRequest, response: restoreResult },
  restoreMailbox: { request: restoreMailboxRequest, response: restoreResult },
  verifyRestore: { request: verifyRestoreRequest, response: restoreVerification },
  downloadBackups: { request: downloadBackupsRequest, response: downloadBackupsResult },
  restoreOntoNewServer: { request: restoreOntoNewServerRequest, response: restoreOntoNewServerResult },
  // Recovery kit (schemas in recovery-kit.ts): the vault as a passphrase-encrypted file and a sheet.
  exportRecoveryKit: { request: exportRecoveryKitRequest, response: exportedRecoveryKit },
  importRecoveryKit: { request: importRecoveryKitRequest, response: importedRecoveryKit },
  // Upgrades (schemas in upgrade.ts); upgradeServer pushes `progress` events with its operation id.
  upgradeVersions: { request: serverId, response: upgradeVersions },
  upgradeServer: { request: upgradeRequest, response: upgradeResult },
  upgradeSettings: { request: serverId, response: upgradeSettings },
  setUpgradeSettings: { request: setUpgradeSettingsRequest, response: upgradeSettings },
  unattendedUpgrades: { request: serverId, response: unattendedUpgradesState },
  setUnattendedUpgrades: { request: setUnattendedUpgradesRequest, response: unattendedUpgradesState },
} as const;

export const events = {
  progress: z.object({
    operationId: z.string(),
    step: z.string(),
    done: z.number(),
    total: z.number().optional(),
    message: z.string().optional(),
    /** Bytes behind a step counted in percent (a backup's upload), when known. */
    bytesDone: z.number().optional(),
    bytesTotal: z.number().optional(),
  }),
  log: z.object({ level: z.enum(['info', 'warn', 'error']), message: z.string(), at: z.string() }),
  /** A server's health changed (health monitor): one event per change, shown as a notification. */
  alert,
} as const;

// Both directions must hold: the names list and the contract declare exactly the same methods and events.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const contractMatchesChannels: Same<keyof typeof contract, ChannelMethod> &
  Same<keyof typeof events, ChannelEvent> = true;

export type Contract = typeof contract;
export type Method = keyof Contract;
export type Request<M extends Method> = z.input<Contract[M]['request']>;
export type ParsedRequest<M extends Method> = z.output<Contract[M]['request']>;
export type Response<M extends Method> = z.output<Contract[M]['response']>;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export type ServerProfile = z.output<typeof serverProfile>;
export type ServerFacts = z.output<typeof serverFacts>;
export type ServerAuth = z.output<typeof serverAuth>;
export type PreflightCheck = z.output<typeof preflightCheck>;
export type PreflightReport = z.output<typeof preflightReport>;

export { methods, eventNames, ipcChannel, eventChannel } from './channels';
