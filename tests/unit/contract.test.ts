import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contract, eventNames, events, ipcChannel, methods } from '../../src/shared/contract';
import { createApp } from '../../src/main/app';
import { loadConfig } from '../../src/main/config';
import { createDispatcher } from '../../src/main/ipc/dispatcher';
import { buildApi, type IpcLike } from '../../src/preload/build-api';

const app = () =>
  createApp({
    config: loadConfig({ FACTEUR_HOME: mkdtempSync(join(tmpdir(), 'facteur-')) }),
    runtime: 'cli',
    version: '1.0.0',
  });

describe('the contract', () => {
  it('names the same methods and events in channels.ts and contract.ts', () => {
    expect([...methods].sort()).toEqual(Object.keys(contract).sort());
    expect([...eventNames].sort()).toEqual(Object.keys(events).sort());
  });

  it('has a handler for every method and no handler outside it', () => {
    expect(Object.keys(app().handlers).sort()).toEqual(Object.keys(contract).sort());
  });

  it('is bound by the preload exactly, with nothing generic', async () => {
    const invoked: string[] = [];
    const ipc: IpcLike = {
      invoke: async (channel) => {
        invoked.push(channel);
        return { ok: true, value: null };
      },
      on: () => undefined,
      removeListener: () => undefined,
    };
    const api = buildApi(ipc) as unknown as Record<string, (req: unknown) => Promise<unknown>>;
    expect(Object.keys(api).sort()).toEqual([...Object.keys(contract), 'on'].sort());
    for (const method of methods) await api[method]!({});
    expect(invoked).toEqual(methods.map(ipcChannel));
    expect(() =>
      (api.on as unknown as (e: string, l: () => void) => void)('not-an-event', () => undefined),
    ).toThrow(/Unknown event/);
  });
});

describe('the dispatcher', () => {
  const dispatch = createDispatcher(app().handlers);

  it('answers a valid request in an ok envelope', async () => {
    expect(await dispatch('appInfo', {})).toEqual({
      ok: true,
      value: { name: 'Facteur', version: '1.0.0', runtime: 'cli' },
    });
  });

  it('rejects an unknown method', async () => {
    const res = await dispatch('deleteEverything', {});
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('rejects a request that does not match its schema, naming the field', async () => {
    const res = await dispatch('scanHostKey', { host: 'bad host; rm -rf /', port: 22 });
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION', params: { field: 'host' } } });
    const extra = await dispatch('listServers', { sneaky: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const port = await dispatch('scanHostKey', { host: 'example.org', port: 70000 });
    expect(port).toMatchObject({ ok: false, error: { code: 'VALIDATION', params: { field: 'port' } } });
  });

  it('wraps a failing handler in an error envelope', async () => {
    const res = await dispatch('checkServer', { id: 'srv_missing' });
    expect(res).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
