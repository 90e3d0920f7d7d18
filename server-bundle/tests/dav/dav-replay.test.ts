// Replays of what real clients send (fixtures/replay-*.json), against the DAV role over HTTP. Each
// fixture is a request sequence written from the client's public sources and documentation (its
// `source` says which); values the client reads from an answer (principal, home sets, collections,
// ETags, sync tokens) are captured by the step that receives them and used by the later ones as
// {name}. Every step must answer as the client expects, in order.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startDavBed, type DavBed } from './dav-harness.ts';

interface Step {
  name: string;
  method: string;
  path: string;
  auth?: boolean;
  /** "manual": the answer to check is the redirect itself (e.g. a .well-known 301), not where it leads. */
  redirect?: 'manual';
  headers?: Record<string, string>;
  body?: string;
  /** A text body as content lines, joined with CRLF. */
  lines?: string[];
  expect: {
    status: number;
    headers?: Record<string, string>;
    contains?: string[];
    notContains?: string[];
    capture?: Record<string, string>;
    captureHeaders?: Record<string, string>;
  };
}
interface Replay {
  client: string;
  source: string;
  user: string;
  steps: Step[];
}

const DIR = new URL('./fixtures/', import.meta.url);
const replays = readdirSync(DIR)
  .filter((f) => /^replay-.*\.json$/.test(f))
  .map((f) => ({ file: f, replay: JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as Replay }));

let bed: DavBed;
beforeAll(async () => {
  bed = await startDavBed();
});
afterAll(() => bed?.stop());

/** The answer with XML character references decoded (an ETag's quotes come as &#34;). */
const xmlText = (s: string): string =>
  s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&(lt|gt|quot|apos);/g, (_, n: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'" })[n]!)
    .replace(/&amp;/g, '&');

/** {name} -> a captured value; an unknown name is a broken fixture. */
function fill(text: string, vars: Map<string, string>, step: string): string {
  return text.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = vars.get(name);
    if (v === undefined) throw new Error(`${step}: {${name}} was not captured by an earlier step`);
    return v;
  });
}

describe('client request replays', () => {
  it('has fixtures', () => {
    expect(replays.map((r) => r.file)).toEqual(
      expect.arrayContaining([
        'replay-apple-calendar.json',
        'replay-apple-contacts.json',
        'replay-davx5.json',
        'replay-thunderbird.json',
      ]),
    );
  });

  for (const { file, replay } of replays) {
    it(`${replay.client} (${file}): ${replay.steps.length} requests, each answered as the client expects`, async () => {
      const vars = new Map<string, string>();
      for (const step of replay.steps) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(step.headers ?? {})) headers[k] = fill(v, vars, step.name);
        if (step.auth !== false)
          headers.Authorization = `Basic ${Buffer.from(`${replay.user}:${PASSWORD}`).toString('base64')}`;
        const body =
          step.lines !== undefined
            ? step.lines.join('\r\n')
            : step.body !== undefined
              ? fill(step.body, vars, step.name)
              : undefined;
        const res = await fetch(new URL(fill(step.path, vars, step.name), bed.base), {
          method: step.method,
          headers,
          body,
          redirect: step.redirect ?? 'follow',
        });
        const text = xmlText(await res.text());
        const where = `${file} step "${step.name}" (${step.method} ${res.url})`;
        expect(res.status, `${where}: ${text.slice(0, 400)}`).toBe(step.expect.status);
        for (const [name, pattern] of Object.entries(step.expect.headers ?? {}))
          expect(res.headers.get(name) ?? '', `${where}: header ${name}`).toMatch(new RegExp(pattern));
        for (const s of step.expect.contains ?? []) expect(text, where).toContain(fill(s, vars, step.name));
        for (const s of step.expect.notContains ?? [])
          expect(text, where).not.toContain(fill(s, vars, step.name));
        for (const [name, pattern] of Object.entries(step.expect.capture ?? {})) {
          const m = new RegExp(pattern).exec(text);
          expect(m?.[1], `${where}: nothing to capture as {${name}} in ${text.slice(0, 400)}`).toBeTruthy();
          vars.set(name, m![1]!);
        }
        for (const [name, header] of Object.entries(step.expect.captureHeaders ?? {})) {
          const v = res.headers.get(header);
          expect(v, `${where}: no ${header} header to capture as {${name}}`).toBeTruthy();
          vars.set(name, v!);
        }
      }
    });
  }
});
