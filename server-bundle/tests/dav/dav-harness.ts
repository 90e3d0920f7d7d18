// A DAV role for tests: a data directory with alice and bob, a private redis-server for the login
// throttle, and the DAV server on 127.0.0.1 (free port), as the role runs it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../../src/crypto/hybrid-kem.ts';
import { startDavServer, type DavServer } from '../../src/dav/dav-server.ts';
import { MailCore } from '../../src/domain/mail-core.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { RedisLoginThrottle } from '../../src/security/login-throttle.ts';
import { connectRedis, type RedisConnection } from '../../src/storage/redis-adapter.ts';
import { TEST_KDF } from '../helpers/core.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

export const PASSWORD = 'correct horse battery staple';

export interface DavBed {
  dataDir: string;
  core: MailCore;
  server: DavServer;
  base: string;
  stop(): Promise<void>;
}

export async function startDavBed(opts: { maxBodyBytes?: number } = {}): Promise<DavBed> {
  const dataDir = mkdtempSync(join(tmpdir(), 'facteur-dav-'));
  const redis: TestRedis = await startRedis();
  const conn: RedisConnection = connectRedis({ ...redis.options, keyPrefix: 'test:' });
  const core = await MailCore.open({ dataDir, kdfCost: TEST_KDF });
  core.config.addDomain('example.com');
  const recovery = generateKeyPair();
  for (const address of ['alice@example.com', 'bob@example.com'])
    await core.accounts.createMailbox({
      address,
      password: PASSWORD,
      recoveryPublicKey: recovery.publicKey.bytes,
    });
  const throttle = new RedisLoginThrottle(
    conn,
    { maxFailures: 50, windowMs: 60_000, blockMs: 10_000 },
    silentLogger,
  );
  const server = await startDavServer(
    { core, throttle, log: silentLogger },
    { host: '127.0.0.1', port: 0, maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024, requestTimeoutMs: 30_000 },
  );
  return {
    dataDir,
    core,
    server,
    base: `http://127.0.0.1:${server.address.port}`,
    async stop() {
      await server.close();
      core.close();
      await conn.quit();
      await redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
