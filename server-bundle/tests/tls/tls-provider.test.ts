import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { generateSelfSigned } from '../../src/tls/forge-adapter.ts';
import { TlsProvider } from '../../src/tls/tls-provider.ts';
import { useTmpDir } from '../helpers/tmp.ts';

const tmp = useTmpDir('facteur-tls-');

function peerFingerprint(port: number, servername?: string): Promise<{ fp: string; socket: TLSSocket }> {
  return new Promise((resolve, reject) => {
    const s = connect(
      { host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername ? { servername } : {}) },
      () => resolve({ fp: s.getPeerX509Certificate()!.fingerprint256, socket: s }),
    );
    s.once('error', reject);
  });
}

describe('TlsProvider', () => {
  it('creates a self-signed certificate for the host names, key file 0600, and reuses it', async () => {
    const dir = join(tmp(), 'tls');
    const a = await TlsProvider.loadOrCreate({ dir, hostNames: ['mail.example.com', '127.0.0.1', '::1'] });
    expect(statSync(join(dir, 'server.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(a.info.selfSigned).toBe(true);
    expect(a.info.altNames).toEqual(expect.arrayContaining(['DNS:mail.example.com', 'IP Address:127.0.0.1']));
    const b = await TlsProvider.loadOrCreate({ dir, hostNames: ['mail.example.com', '127.0.0.1'] });
    expect(b.info.fingerprint256).toBe(a.info.fingerprint256);
    // A host name the stored self-signed certificate does not cover: regenerated.
    const c = await TlsProvider.loadOrCreate({ dir, hostNames: ['mx.other.test'] });
    expect(c.info.fingerprint256).not.toBe(a.info.fingerprint256);
  });

  it('roles starting at once end up with the same certificate', async () => {
    const dir = join(tmp(), 'tls');
    const all = await Promise.all(
      [1, 2, 3].map(() => TlsProvider.loadOrCreate({ dir, hostNames: ['mail.example.com'] })),
    );
    expect(new Set(all.map((p) => p.info.fingerprint256)).size).toBe(1);
  });

  it('replace() swaps the certificate for new handshakes without dropping open connections', async () => {
    const dir = join(tmp(), 'tls');
    const p = await TlsProvider.loadOrCreate({ dir, hostNames: ['mail.example.com'] });
    const server = createServer({ SNICallback: p.sniCallback, ...p.material }, (s) => s.pipe(s));
    p.attach(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const first = await peerFingerprint(port);
      expect(first.fp).toBe(p.info.fingerprint256);
      const next = generateSelfSigned({ hostNames: ['mail.example.com', 'imap.example.com'] });
      await expect(
        p.replace({ key: next.keyPem, cert: generateSelfSigned({ hostNames: ['x.test'] }).certPem }),
      ).rejects.toThrow(/does not match/);
      const info = await p.replace({ key: next.keyPem, cert: next.certPem });
      expect(info.fingerprint256).not.toBe(first.fp);
      // The old connection still echoes.
      const echoed = await new Promise<string>((r) => {
        first.socket.once('data', (d) => r(d.toString()));
        first.socket.write('still here');
      });
      expect(echoed).toBe('still here');
      first.socket.destroy();
      // New handshakes, with and without SNI, see the new certificate.
      for (const sni of [undefined, 'mail.example.com']) {
        const n = await peerFingerprint(port, sni);
        expect(n.fp).toBe(info.fingerprint256);
        n.socket.destroy();
      }
      // Another process (another provider on the same dir) picks it up.
      const other = await TlsProvider.loadOrCreate({ dir, hostNames: ['mail.example.com'] });
      expect(other.info.fingerprint256).toBe(info.fingerprint256);
      expect(readFileSync(join(dir, 'server.pem'), 'utf8')).toContain('PRIVATE KEY');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('reloadIfChanged() applies a replacement made by another process', async () => {
    const dir = join(tmp(), 'tls');
    const a = await TlsProvider.loadOrCreate({ dir, hostNames: ['mail.example.com'] });
    const b = await TlsProvider.loadOrCreate({ dir, hostNames: ['mail.example.com'] });
    const changes: string[] = [];
    b.onChange(() => changes.push('changed'));
    const next = generateSelfSigned({ hostNames: ['mail.example.com'] });
    await new Promise((r) => setTimeout(r, 20));
    await a.replace({ key: next.keyPem, cert: next.certPem });
    expect(await b.reloadIfChanged()).toBe(true);
    expect(b.info.fingerprint256).toBe(a.info.fingerprint256);
    expect(changes).toEqual(['changed']);
    expect(await b.reloadIfChanged()).toBe(false);
  });
});
