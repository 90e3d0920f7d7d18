import { z } from 'zod';

/**
 * Schemas of the certificate and mailbox methods used at the end of the setup journey (and by the
 * mail administration later). The server answers them through its control API.
 */

const serverId = z.string().min(1).max(64);
const address = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .regex(/^[a-z0-9._+-]+@[a-z0-9.-]+\.[a-z]{2,63}$/, 'Use an address such as alice@example.org');

export const certificateStatus = z.object({
  subject: z.string(),
  altNames: z.array(z.string()),
  /** Who signed it (the server itself until a CA has issued one). */
  issuer: z.string().optional(),
  notBefore: z.string(),
  notAfter: z.string(),
  daysLeft: z.number(),
  /** The server's own placeholder until an ACME CA has issued one. */
  selfSigned: z.boolean(),
  acme: z
    .object({
      /** The owner asked for a CA certificate: the server keeps one and renews it. */
      enabled: z.boolean(),
      /** A request is waiting for or being handled by the server. */
      pending: z.boolean(),
      lastAttemptAt: z.string().nullable(),
      lastSuccessAt: z.string().nullable(),
      /** In plain words, as the server phrased it. */
      lastError: z.string().nullable(),
      /** When the server will renew it by itself (null while self-signed). */
      renewAfter: z.string().nullable(),
    })
    .optional(),
});

export const requestCertificateRequest = z.object({ serverId, force: z.boolean().default(false) }).strict();

export const mailbox = z.object({
  id: z.string(),
  address: z.string(),
  displayName: z.string().nullable(),
  quotaBytes: z.number().nullable(),
  state: z.string(),
});

const endpoint = z.object({
  protocol: z.enum(['imap', 'pop3', 'smtp']),
  host: z.string(),
  port: z.number(),
  /** tls: encrypted from the first byte; starttls: upgraded after connecting. */
  security: z.enum(['tls', 'starttls']),
});

export const clientSettings = z.object({
  address: z.string(),
  username: z.string(),
  incoming: z.array(endpoint),
  outgoing: z.array(endpoint),
  /** Thunderbird-style autoconfig URL (clients find it by themselves). */
  autoconfigUrl: z.string(),
});

export const createMailboxRequest = z
  .object({
    serverId,
    address,
    displayName: z.string().trim().max(120).optional(),
    quotaBytes: z.number().int().positive().nullable().optional(),
  })
  .strict();

export const createdMailbox = z.object({
  mailbox,
  /** Generated; shown once, never stored by Facteur. */
  password: z.string(),
  settings: clientSettings,
});

export const clientSettingsRequest = z.object({ serverId, address }).strict();

export type CertificateStatus = z.output<typeof certificateStatus>;
export type Mailbox = z.output<typeof mailbox>;
export type ClientSettings = z.output<typeof clientSettings>;
export type CreatedMailbox = z.output<typeof createdMailbox>;
