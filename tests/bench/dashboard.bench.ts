/**
 * Dashboard benchmark, in Chromium through the browser host, on test-bed VPS 2. Prints one JSON object:
 *   dashboard_30d_render_ms  the stack deployed and its metrics store holding 30 days of samples (seeded
 *                            with the server bundle's own store); from the click on "Dashboard" (range
 *                            30 d remembered) to the first paint of all eight graphs, each in a fresh
 *                            page (no cache: the metrics come over SSH from the server), median of 5
 *   dashboard_30d_points     points drawn per line at 30 days (the server downsamples)
 *   renderer_initial_js_gzip_kb  the JavaScript the app's first paint loads, gzipped (recharts is
 *                            loaded with the graphs; renderer_js_gzip_kb in desktop.bench counts all)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { stopVps } from '../infra/testbed';
import { launchChromium, startHost } from '../support/browser';
import { deployDashboardStack, seedMetrics } from '../support/dashboard-stack';

const N = 2;
const RUNS = 5;
const CHARTS = 8;

const TIMED_OPEN = `new Promise((resolve, reject) => {
  const button = [...document.querySelectorAll('nav button')].find((b) => b.textContent === 'Dashboard');
  if (!button) return reject(new Error('no Dashboard button'));
  const t0 = performance.now();
  const done = () =>
    document.querySelectorAll('figure[data-chart]').length === ${CHARTS} &&
    document.querySelectorAll('figure[data-chart] path.recharts-line-curve[d]').length >= ${CHARTS};
  const observer = new MutationObserver(() => {
    if (!done()) return;
    observer.disconnect();
    requestAnimationFrame(() => {
      const figure = document.querySelector('figure[data-chart="cpu"]');
      resolve({ ms: performance.now() - t0, points: Number(figure && figure.getAttribute('data-points')) });
    });
  });
  observer.observe(document.body, { childList: true, subtree: true, attributes: true });
  setTimeout(() => reject(new Error('the graphs did not appear within 30 s')), 30000);
  button.click();
})`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The scripts index.html loads itself (module entry and its static imports), gzipped. */
function initialJsGzipKb(): number {
  const html = readFileSync('out/renderer/index.html', 'utf8');
  const files = new Set<string>();
  for (const m of html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+\.js)"/g)) files.add(m[1]!);
  const bytes = [...files].reduce(
    (sum, f) => sum + gzipSync(readFileSync(join('out/renderer', f)), { level: 9 }).length,
    0,
  );
  return Math.round((bytes / 1024) * 10) / 10;
}

void (async () => {
  if (!existsSync('out/renderer/index.html'))
    execFileSync('npx', ['electron-vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  const stack = await deployDashboardStack(N, {});
  await seedMetrics(stack.vps, 30);
  const host = await startHost({ ...stack.env, FACTEUR_HOME: stack.home });
  const browser = await launchChromium();
  const times: number[] = [];
  let points = 0;
  try {
    for (let i = 0; i < RUNS + 1; i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await context.newPage();
      await page.goto(host.url);
      await page.evaluate(
        "localStorage.setItem('facteur-dashboard-range', '30d'); localStorage.setItem('facteur-language', 'en')",
      );
      await page.reload();
      await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
      // Timed inside the page: click, then the first animation frame after all graphs have their lines.
      // (A string: tsx would wrap a function's inner helpers in names the page does not have.)
      const result = (await page.evaluate(TIMED_OPEN)) as { ms: number; points: number };
      if (i > 0) times.push(result.ms); // the first run warms the host's and the browser's caches
      points = result.points;
      await context.close();
    }
  } finally {
    await browser.close();
    await host.stop();
    await stopVps(N);
  }
  const results = {
    dashboard_30d_render_ms: Math.round(median(times)),
    dashboard_30d_points: points,
    renderer_initial_js_gzip_kb: initialJsGzipKb(),
  };
  process.stderr.write(`[dashboard bench] runs (ms): ${times.map((t) => Math.round(t)).join(', ')}\n`);
  process.stdout.write(JSON.stringify(results) + '\n');
})().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
