/**
 * The RFC 2136 adapter: reads the current records by asking the primary server directly, and
 * applies every change in one UPDATE message signed with TSIG (RFC 8945, hmac-sha256). The server's
 * answer must carry a valid signature too, or the result is not trusted.
 */
import { randomInt } from 'node:crypto';
import { FacteurError } from '../../../shared/errors';
import { endpointLabel, type DnsClient, type DnsEndpoint } from './dns-client';
import { decodeMessage, encodeUpdate, type UpdateOp } from './dns-wire';
import { normalizeName } from './names';
import type { DnsChange, DnsProvider, ProviderRecord, RRsetKey } from './provider';
import { signMessage, verifyResponse, type TsigKey } from './tsig';

export interface Rfc2136Options {
  server: DnsEndpoint;
  zone: string;
  key: TsigKey;
  /** Seconds of clock difference the server may accept (RFC 8945 recommends 300). */
  fudgeS: number;
  now?: () => number;
}

/** Runs at most `limit` tasks at a time, keeping the order of the results. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export class Rfc2136Provider implements DnsProvider {
  readonly name: string;
  readonly zone: string;

  constructor(
    private readonly options: Rfc2136Options,
    private readonly client: DnsClient,
  ) {
    this.name = `dynamic update at ${endpointLabel(options.server)}`;
    this.zone = normalizeName(options.zone);
  }

  async listRecords(keys: readonly RRsetKey[]): Promise<ProviderRecord[]> {
    const answers = await mapLimit(keys, 8, async (k) => {
      const m = await this.client.query(this.options.server, k.name, k.type, { recursionDesired: false });
      if (m.rcode === 'REFUSED' || m.rcode === 'NOTAUTH')
        throw this.refused(m.rcode, `it does not serve the zone ${this.zone}`);
      // Records owned by the name itself, including a CNAME that stands in the way.
      return m.answers
        .filter(
          (a) =>
            a.name === normalizeName(k.name) && a.data && (a.data.type === k.type || a.data.type === 'CNAME'),
        )
        .map((a) => ({ name: a.name, ttl: a.ttl, data: a.data! }));
    });
    const seen = new Set<string>();
    return answers.flat().filter((r) => {
      const key = JSON.stringify(r);
      return seen.has(key) ? false : (seen.add(key), true);
    });
  }

  /**
   * Sends every change in one signed UPDATE. With no change the message is still sent (an empty
   * update): the server then proves that the key works before Facteur saves it.
   */
  async applyChanges(changes: readonly DnsChange[]): Promise<void> {
    const ops: UpdateOp[] = changes.map((c) =>
      c.action === 'add'
        ? { op: 'add', name: c.record.name, ttl: c.record.ttl, data: c.record.data }
        : c.action === 'delete'
          ? { op: 'delete', name: c.record.name, data: c.record.data }
          : { op: 'deleteRRset', name: c.name, type: c.type },
    );
    const now = this.options.now ?? (() => Math.floor(Date.now() / 1000));
    const message = encodeUpdate(randomInt(0, 0x10000), this.zone, ops);
    const { wire, mac } = signMessage(message, this.options.key, {
      timeSigned: now(),
      fudge: this.options.fudgeS,
    });
    const raw = await this.client.exchange(this.options.server, wire);
    const answer = decodeMessage(raw);
    if (answer.id !== message.readUInt16BE(0) || answer.opcode !== 'UPDATE')
      throw new FacteurError(
        'COMMAND_FAILED',
        `${endpointLabel(this.options.server)} sent an answer that does not match the update.`,
      );
    const verdict = verifyResponse(raw, mac, this.options.key, now());
    if (!verdict.ok && verdict.reason === 'serverError') {
      const server = endpointLabel(this.options.server);
      const why =
        verdict.error === 'BADTIME'
          ? 'the clocks of this computer and the server differ by more than the allowed margin'
          : verdict.error === 'BADKEY'
            ? `check the key name, and that the server lets this key update the zone ${this.zone}`
            : 'check the key name and the secret';
      const keyName = normalizeName(this.options.key.name);
      throw new FacteurError(
        'DNS_UPDATE_REFUSED',
        `The DNS server ${server} refused the key ${keyName} (${verdict.error}): ${why}.`,
        { server, zone: this.zone, rcode: verdict.error ?? 'NOTAUTH', key: keyName },
      );
    }
    if (answer.rcode !== 'NOERROR') throw this.refused(answer.rcode, this.reason(answer.rcode));
    if (!verdict.ok)
      throw new FacteurError(
        'COMMAND_FAILED',
        `The answer of ${endpointLabel(this.options.server)} is not signed with the key (${verdict.reason}); the update cannot be trusted.`,
      );
  }

  private reason(rcode: string): string {
    switch (rcode) {
      case 'REFUSED':
        return `this key may not update the zone ${this.zone}, or the server does not accept updates`;
      case 'NOTAUTH':
        return `it is not the primary server of the zone ${this.zone}`;
      case 'NOTZONE':
        return `a record lies outside the zone ${this.zone}`;
      case 'SERVFAIL':
        return 'the server failed while applying it';
      default:
        return 'the server rejected it';
    }
  }

  private refused(rcode: string, reason: string): FacteurError {
    const server = endpointLabel(this.options.server);
    return new FacteurError(
      'DNS_UPDATE_REFUSED',
      `The DNS server ${server} refused the update (${rcode}): ${reason}.`,
      {
        server,
        zone: this.zone,
        rcode,
        reason,
      },
    );
  }
}
