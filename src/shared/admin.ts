import { z } from 'zod';
import { clientSettings } from './mailbox';

/**
 * Schemas of the mail administration (domains, mailboxes, aliases, password reset, app passwords)
 * and of the client setup (settings, QR code, Apple profile, test email). The server answers them
 * through its control API; keys are handled in main (see services/mail/mail-admin-service.ts).
 */

const serverId = z.string().min(1).max(64);
const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, 'Use a domain such as example.org');
const address = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .regex(/^[a-z0-9._+-]+@[a-z0-9.-]+\.[a-z]{2,63}$/, 'Use an address such as alice@example.org');
/** An alias: a full address, or `@domain` (`*@domain`) for the domain's catch-all. */
const aliasAddress = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .regex(
    /^([a-z0-9._+-]+|\*)?@[a-z0-9.-]+\.[a-z]{2,63}$/,
    'Use an address such as sales@example.org, or @example.org for every other address',
  );
const appPasswordId = z.string().regex(/^[0-9a-f]{12}$/);

export const domainRequest = z.object({ serverId, name: domainName }).strict();
export const mailDomain = z.object({ name: z.string(), mailboxes: z.number(), aliases: z.number() });

export const appPasswordInfo = z.object({ id: z.string(), label: z.string(), createdAt: z.string() });

export const mailboxDetails = z.object({
  id: z.string(),
  address: z.string(),
  displayName: z.string().nullable(),
  /** null: no limit. */
  quotaBytes: z.number().nullable(),
  usedBytes: z.number(),
  usedMessages: z.number(),
  state: z.enum(['active', 'disabled']),
  appPasswords: z.array(appPasswordInfo),
});

export const mailboxRef = z.object({ serverId, address }).strict();
export const listMailboxDetailsRequest = z.object({ serverId, domain: domainName.optional() }).strict();
export const setMailboxQuotaRequest = z
  .object({ serverId, address, quotaBytes: z.number().int().positive().nullable() })
  .strict();
export const setMailboxStateRequest = z
  .object({ serverId, address, state: z.enum(['active', 'disabled']) })
  .strict();
/** `confirmAddress` must repeat the address: the owner typed it to confirm. */
export const deleteMailboxRequest = z.object({ serverId, address, confirmAddress: z.string() }).strict();

export const mailAlias = z.object({
  address: z.string(),
  destinations: z.array(z.string()),
  catchAll: z.boolean(),
});
export const listAliasesRequest = z.object({ serverId, domain: domainName.optional() }).strict();
export const saveAliasRequest = z
  .object({ serverId, address: aliasAddress, destinations: z.array(address).min(1).max(50) })
  .strict();
export const aliasRef = z.object({ serverId, address: aliasAddress }).strict();

export const newPassword = z.object({
  address: z.string(),
  /** Generated; shown once, never stored by Facteur. */
  password: z.string(),
});

export const createAppPasswordRequest = z
  .object({ serverId, address, label: z.string().trim().min(1).max(100) })
  .strict();
export const createdAppPassword = appPasswordInfo.extend({
  /** Generated; shown once, never stored by Facteur. */
  password: z.string(),
});
export const appPasswordRef = z.object({ serverId, address, id: appPasswordId }).strict();

export const clientSetup = z.object({
  settings: clientSettings,
  /** What the QR code holds (plain text a phone shows), and the code as an SVG document. */
  qrText: z.string(),
  qrSvg: z.string(),
});

/** An Apple configuration profile; with `includePassword`, a new app password is made for it. */
export const appleProfileRequest = z
  .object({ serverId, address, includePassword: z.boolean().default(false) })
  .strict();
export const appleProfile = z.object({
  fileName: z.string(),
  mimeType: z.string(),
  content: z.string(),
  /** The app password inside it, when one was asked for (listed with the others, revocable). */
  appPasswordId: z.string().nullable(),
});

export const testEmailResult = z.object({
  status: z.enum(['delivered', 'failed']),
  /** The server's answer, in plain words. */
  detail: z.string(),
  at: z.string(),
});

export type MailDomain = z.output<typeof mailDomain>;
export type MailboxDetails = z.output<typeof mailboxDetails>;
export type MailAlias = z.output<typeof mailAlias>;
export type AppPasswordInfo = z.output<typeof appPasswordInfo>;
export type CreatedAppPassword = z.output<typeof createdAppPassword>;
export type ClientSetup = z.output<typeof clientSetup>;
export type AppleProfile = z.output<typeof appleProfile>;
export type TestEmailResult = z.output<typeof testEmailResult>;
