/** Polls `fn` until it returns something other than undefined; the last error is quoted on timeout. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  ms = 60_000,
  intervalMs = 500,
): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < ms) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
