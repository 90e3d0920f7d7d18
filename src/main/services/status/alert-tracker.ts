/**
 * Remembers, per server and signal, whether the last observation was a problem, and says when an
 * observation changes that: one alert per state change, never a repeat. An unknown observation
 * (server unreachable, no data yet) changes nothing; a first observation alerts only when bad.
 */
export type Transition = 'problem' | 'recovered' | undefined;

export class AlertTracker {
  private readonly bad = new Map<string, boolean>();

  observe(serverId: string, signal: string, isBad: boolean | undefined): Transition {
    if (isBad === undefined) return undefined;
    const key = `${serverId}\u0000${signal}`;
    const before = this.bad.get(key);
    this.bad.set(key, isBad);
    if (before === undefined) return isBad ? 'problem' : undefined;
    if (before === isBad) return undefined;
    return isBad ? 'problem' : 'recovered';
  }

  forget(serverId: string): void {
    for (const key of this.bad.keys()) if (key.startsWith(`${serverId}\u0000`)) this.bad.delete(key);
  }
}
