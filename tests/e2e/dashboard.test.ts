/**
 * The dashboard in Chromium, through the browser host, on test-bed VPS 2: the stack deployed through
 * the app's contract (metrics recorded every second), then the page draws the server's real
 * metrics (SVG line paths with as many points as the control API returned), shows every role up,
 * refreshes by itself, reports a stopped container's roles as stopped and then restarted, and draws
 * 30 days once the server's metrics store holds a month (seeded with the bundle's own store).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, statSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { stopVps } from '../infra/testbed';
import { launchChromium, showsText, startHost, visible } from '../support/browser';
import { deployDashboardStack, seedMetrics, type DashboardStack } from '../support/dashboard-stack';
import { freshFacteur } from '../support/facteur';
import { vpsDocker } from '../support/server-stack';

const N = 2;
const SHOT = 'docs/screenshots/dashboard.png';
const CHARTS = ['cpu', 'memory', 'disk', 'load', 'network', 'messages', 'queue', 'logins'];

let stack: DashboardStack;
let host: Awaited<ReturnType<typeof startHost>>;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await deployDashboardStack(N, { metrics: { intervalMs: 1000 }, heartbeatMs: 1000 });
  host = await startHost({ ...stack.env, FACTEUR_HOME: stack.home, FACTEUR_DASHBOARD_REFRESH_MS: '2000' });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(host.url);
  await page.evaluate("localStorage.setItem('facteur-language', 'en')");
  await page.reload();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await stopVps(N);
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail' || !page) return;
  mkdirSync('test-results', { recursive: true });
  await page.screenshot({
    path: `test-results/dashboard-failed-${ctx.task.name.slice(0, 24)}.png`,
    fullPage: true,
  });
});

const chart = (id: string): Locator => page.locator(`figure[data-chart="${id}"]`);
const pointsOf = async (id: string): Promise<number> => Number(await chart(id).getAttribute('data-points'));
/** Points drawn by a line path: one per "L"/"C" segment plus the first "M". */
const drawnPoints = async (id: string): Promise<number[]> =>
  chart(id)
    .locator('path.recharts-line-curve')
    .evaluateAll((paths) => paths.map((p) => (p.getAttribute('d') ?? '').split(/[LC]/).length));

describe('dashboard in Chromium, from the real server', () => {
  it('lists the server with every service up, and its roles with their restart counts', async () => {
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('button', { name: 'Dashboard' })
      .click();
    const list = page.getByRole('list', { name: 'Your servers' });
    await showsText(list.locator('li'), 'Working: all 9 services are up.', 30_000);
    expect(await list.locator('li').first().getAttribute('data-state')).toBe('ok');
    const roles = page.getByRole('region', { name: 'Services' }).locator('li');
    await visible(roles);
    expect(await roles.count()).toBe(9);
    expect(await roles.evaluateAll((lis) => lis.map((l) => l.getAttribute('data-status')))).toEqual(
      Array(9).fill('up'),
    );
    await showsText(page.locator('li[data-role="mx"]'), 'restarted 0 times');
  });

  it('draws every graph from the metrics the server recorded (1 h)', async () => {
    await page.getByRole('button', { name: 'Last hour' }).click();
    await expect.poll(() => pointsOf('cpu'), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    for (const id of CHARTS) await visible(chart(id));
    // Host figures are lines with as many points as the control API sent.
    const { call } = freshFacteur({ ...stack.env, FACTEUR_HOME: stack.home });
    const metrics = await call('serverMetrics', { serverId: stack.serverId, range: '1h' });
    const cpu = metrics.series.find((s) => s.name === 'cpu')!;
    expect(cpu.points.length).toBeGreaterThanOrEqual(2);
    for (const id of ['cpu', 'memory', 'disk', 'load']) {
      const drawn = await drawnPoints(id);
      expect(drawn).toHaveLength(1);
      expect(drawn[0]).toBeGreaterThanOrEqual(2);
      expect(Math.abs(drawn[0]! - cpu.points.length)).toBeLessThanOrEqual(1); // a bucket may have closed since
    }
    expect(await drawnPoints('network')).toHaveLength(2); // in and out
    expect(await drawnPoints('messages')).toHaveLength(3); // received, sent, refused
    // The memory figure the page prints is the server's latest one.
    const mem = metrics.series.find((s) => s.name === 'mem')!.points.at(-1)!.v;
    expect(mem).toBeGreaterThan(0);
    expect(await chart('memory').locator('.chart-latest').textContent()).toMatch(/^\d+(\.\d)? %$/);
  });

  it('refreshes by itself at the configured interval', async () => {
    const before = await pointsOf('cpu');
    await expect.poll(() => pointsOf('cpu'), { timeout: 45_000, interval: 1000 }).toBeGreaterThan(before);
  });

  it('shows the roles of a stopped container as stopped, then up again with one restart', async () => {
    vpsDocker(stack.vps, ['stop', 'facteur-edge']);
    const list = page.getByRole('list', { name: 'Your servers' });
    await showsText(list.locator('li'), 'not running: ', 30_000);
    expect(await list.locator('li').first().getAttribute('data-state')).toBe('degraded');
    const stopped = page.locator('li[data-role][data-status="stopped"]');
    await visible(stopped, 30_000);
    const stoppedRoles = await stopped.evaluateAll((lis) => lis.map((l) => l.getAttribute('data-role')));
    expect(stoppedRoles.length).toBeGreaterThan(0);
    await showsText(list.locator('li'), stoppedRoles.join(', '));

    vpsDocker(stack.vps, ['start', 'facteur-edge']);
    await showsText(list.locator('li'), 'Working: all 9 services are up.', 60_000);
    for (const role of stoppedRoles)
      await showsText(page.locator(`li[data-role="${role}"]`), 'restarted 1 time', 30_000);
  });

  it('draws 30 days from a month of history, about 150 points per line (the server downsamples)', async () => {
    await seedMetrics(stack.vps, 30);
    await page.getByRole('button', { name: 'Last 30 days' }).click();
    await expect.poll(() => pointsOf('cpu'), { timeout: 30_000 }).toBeGreaterThan(100);
    expect(await pointsOf('cpu')).toBeLessThanOrEqual(150);
    for (const id of CHARTS) {
      for (const n of await drawnPoints(id)) expect(n).toBeGreaterThan(100);
    }
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    await expect.poll(() => pointsOf('cpu'), { timeout: 30_000 }).toBeGreaterThan(60); // whole 2 h buckets
    mkdirSync('docs/screenshots', { recursive: true });
    await page.screenshot({ path: SHOT, fullPage: true });
    expect(statSync(SHOT).size).toBeGreaterThan(30_000);
  });
});
