// Fills a deployed server's metrics store with DAYS of history, with the server bundle's own code
// (Node 24: `node seed-metrics.mjs DATA_DIR DAYS`), so the dashboard has a month to draw without
// waiting a month. The tiers come from the server's own configuration file; every series the
// jobs role already records gets values (gauges follow a daily wave, counts are small numbers).
// Rounds are 5 minutes apart, then 10 seconds apart over the last hour (the finest tier).
import { join } from 'node:path';
import process from 'node:process';
import { openMetricsStore } from '../../server-bundle/src/metrics/metrics-store.ts';
import { loadConfigFile, resolveConfig } from '../../server-bundle/src/run/server-config.ts';

const [dataDir, daysText] = process.argv.slice(2);
const days = Number(daysText ?? 30);
const config = resolveConfig(await loadConfigFile(join(dataDir, 'facteur.json')));
const store = await openMetricsStore(dataDir, Object.values(config.metrics.tiers));

const FALLBACK = [
  ['cpu', 'gauge'],
  ['mem', 'gauge'],
  ['disk', 'gauge'],
  ['load1', 'gauge'],
  ['net_rx', 'gauge'],
  ['net_tx', 'gauge'],
  ['queue', 'gauge'],
  ['messages_in', 'count'],
  ['messages_out', 'count'],
  ['messages_rejected', 'count'],
  ['logins_failed', 'count'],
];
// What the store has, plus the base series: rate series (cpu, network) appear only from the sampler's
// second round, which a freshly deployed server may not have reached yet.
const series = [...new Map([...FALLBACK, ...store.listSeries().map((s) => [s.name, s.kind])])];

// A deterministic pseudo-random sequence: the same history every run.
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const DAY = 86_400_000;

function value(name, kind, at, spacingMs) {
  const wave = 0.5 + 0.5 * Math.sin((2 * Math.PI * (at % DAY)) / DAY - Math.PI / 2); // low at night
  if (name.endsWith('.up')) return 1;
  if (name.endsWith('.restarts')) return rand() < 0.0005 ? 1 : 0;
  if (kind === 'count') {
    const scale = { messages_in: 6, messages_out: 3, messages_rejected: 2, logins_failed: 1 }[name] ?? 1;
    // Events per 5 minutes, spread over the round's own spacing (10 s rounds get 1/30 of it).
    return Math.floor(2 * rand() * scale * (0.3 + wave) * (spacingMs / 300_000) + rand());
  }
  switch (name) {
    case 'cpu':
      return 3 + 25 * wave + 8 * rand();
    case 'mem':
      return 38 + 12 * wave + 3 * rand();
    case 'mem_used_bytes':
      return (700 + 250 * wave) * 1048576;
    case 'disk':
      return 20 + (10 * (at % (30 * DAY))) / (30 * DAY);
    case 'disk_free_bytes':
      return (30 - (3 * (at % (30 * DAY))) / (30 * DAY)) * 1e9;
    case 'load1':
      return 0.1 + 1.2 * wave + 0.3 * rand();
    case 'net_rx':
      return 2000 + 60_000 * wave * rand();
    case 'net_tx':
      return 1500 + 40_000 * wave * rand();
    case 'queue':
      return Math.round(4 * wave * rand());
    case 'cert_days':
      return 60 + (30 * (now - at)) / (30 * DAY);
    default:
      return 10 * rand();
  }
}

const now = Date.now();
const times = [];
for (let at = now - days * DAY; at < now - 3_600_000; at += 300_000) times.push([at, 300_000]);
for (let at = now - 3_600_000; at < now; at += 10_000) times.push([at, 10_000]);
const BATCH = 500;
for (let i = 0; i < times.length; i += BATCH) {
  store.recordRounds(
    times.slice(i, i + BATCH).map(([at, spacingMs]) => ({
      at,
      samples: series.map(([name, kind]) => ({
        series: name,
        kind,
        value: value(name, kind, at, spacingMs),
      })),
    })),
  );
}
store.close();
process.stdout.write(`${JSON.stringify({ rounds: times.length, series: series.length })}\n`);
