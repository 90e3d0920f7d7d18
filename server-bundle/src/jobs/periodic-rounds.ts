// Runs `round` at once, then every `intervalMs` measured from each round's start (a slow round is
// followed at once by the next, never overlapped); waits for the running round on close.
export interface PeriodicRounds<T> {
  readonly rounds: number;
  /** Resolves with the result of the next completed round (tests). */
  nextRound(): Promise<T>;
  close(): Promise<void>;
}

export function startRounds<T>(round: () => Promise<T>, intervalMs: number): PeriodicRounds<T> {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let rounds = 0;
  let current: Promise<void> | undefined;
  let waiters: Array<(result: T) => void> = [];

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      const started = Date.now();
      current = round()
        .then((result) => {
          rounds++;
          for (const w of waiters.splice(0)) w(result);
        })
        .finally(() => {
          current = undefined;
          schedule(Math.max(0, intervalMs - (Date.now() - started)));
        });
    }, delay);
  };
  schedule(0);
  return {
    get rounds() {
      return rounds;
    },
    nextRound: () => new Promise<T>((resolve) => waiters.push(resolve)),
    async close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
      waiters = [];
    },
  };
}
