import { Resolver } from 'node:dns/promises';

/** PTR lookup from this computer (a vantage point outside the server), bounded in time. */
export async function reverseLookup(
  ip: string,
  opts: { servers?: string[]; timeoutMs: number },
): Promise<{ status: 'found'; name: string } | { status: 'none' } | { status: 'error'; reason: string }> {
  const resolver = new Resolver({ timeout: opts.timeoutMs, tries: 1 });
  if (opts.servers?.length) resolver.setServers(opts.servers);
  try {
    const names = await resolver.reverse(ip);
    return names[0] ? { status: 'found', name: names[0] } : { status: 'none' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return { status: 'none' };
    return { status: 'error', reason: code ?? (err as Error).message };
  }
}
