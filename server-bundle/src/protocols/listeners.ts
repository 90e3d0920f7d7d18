// Listener addresses shared by the IMAP and POP3 roles. "::" binds one dual-stack socket that
// serves IPv6 and IPv4 (as ::ffff:a.b.c.d; Linux default net.ipv6.bindv6only=0); on a host
// without IPv6 it falls back to 0.0.0.0. A specific address binds only that address.
import type { SecureContext } from 'node:tls';

export interface ListenerSpec {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** implicit: TLS from the first byte (993, 995); starttls: plain until STARTTLS/STLS (143, 110). */
  tls: 'implicit' | 'starttls';
}

export interface ListenerAddress {
  address: string;
  port: number;
  family: string;
  tls: ListenerSpec['tls'];
  /** true when one socket serves both IPv6 and IPv4 */
  dualStack: boolean;
}

/** What a role's entry point returns. */
export interface RoleHandle {
  readonly addresses: readonly ListenerAddress[];
  /** Stops listening, says goodbye to open connections, releases every mailbox key. */
  close(): Promise<void>;
}

export interface Bindable {
  listen(): Promise<{ address: string; port: number; family: string }>;
  close(): Promise<void>;
}

export async function listenDualStack(
  spec: ListenerSpec,
  make: (host: string) => Bindable,
): Promise<ListenerAddress[]> {
  const wildcard = spec.host === '::' || spec.host === '';
  const host = wildcard ? '::' : spec.host;
  const server = make(host);
  try {
    const a = await server.listen();
    return [{ ...a, tls: spec.tls, dualStack: wildcard }];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!wildcard || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw err;
  }
  await server.close();
  const v4 = make('0.0.0.0');
  const a = await v4.listen();
  return [{ ...a, tls: spec.tls, dualStack: false }];
}

/** A listener whose certificate can be swapped without dropping connections. */
export interface TlsBindable extends Bindable {
  setSecureContext(ctx: SecureContext): void;
}

export interface TlsContextSource {
  secureContext(): SecureContext;
  onChange(listener: () => void): () => void;
}

export interface BoundListeners<S> {
  servers: S[];
  addresses: ListenerAddress[];
  /** Stops following certificate changes and closes every listener. */
  close(): Promise<void>;
}

/**
 * Binds every spec (dual-stack where asked), keeps each listener on the current certificate, and,
 * if one spec cannot bind, closes those that did before rethrowing.
 */
export async function listenAll<S extends TlsBindable>(
  specs: readonly ListenerSpec[],
  tls: TlsContextSource,
  make: (spec: ListenerSpec, host: string) => S,
): Promise<BoundListeners<S>> {
  const servers: S[] = [];
  const addresses: ListenerAddress[] = [];
  const stopTlsWatch = tls.onChange(() => {
    const ctx = tls.secureContext();
    for (const s of servers) s.setSecureContext(ctx);
  });
  const close = async (): Promise<void> => {
    stopTlsWatch();
    await Promise.all(servers.map((s) => s.close()));
  };
  try {
    for (const spec of specs) {
      const bound = await listenDualStack(spec, (host) => {
        const s = make(spec, host);
        servers.push(s);
        return s;
      });
      addresses.push(...bound);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { servers, addresses, close };
}

/** "[::]:993/implicit" style, for logs. */
export function describeAddresses(addresses: readonly ListenerAddress[]): string[] {
  return addresses.map((a) => `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/${a.tls}`);
}
