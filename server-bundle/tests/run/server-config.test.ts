// web.davUpstream: by default the web role proxies /dav/ to this server's own dav role, on the port
// that role really listens on (ports.dav + portOffset) and the one its health probe checks.
import { describe, expect, it } from 'vitest';
import { probesOf } from '../../src/run/health.ts';
import { ConfigError, davUpstreamOf, resolveConfig } from '../../src/run/server-config.ts';
import { parseDavUpstream } from '../../src/web/dav-proxy.ts';

describe('web.davUpstream', () => {
  it("defaults to the dav role's loopback port, the offset included", async () => {
    const plain = resolveConfig({});
    expect(davUpstreamOf(plain)).toBe('http://127.0.0.1:8026');
    const offset = resolveConfig({ portOffset: 10_000 });
    expect(davUpstreamOf(offset)).toBe('http://127.0.0.1:18026');
    const [probe] = await probesOf(offset, 'dav');
    expect(probe).toMatchObject({ host: '127.0.0.1', port: 18_026 });
    // What the web role accepts as an upstream (loopback HTTP only).
    expect(parseDavUpstream(davUpstreamOf(offset))?.port).toBe('18026');
  });

  it("keeps an explicit URL, and '' turns the proxy off", () => {
    expect(davUpstreamOf(resolveConfig({ web: { davUpstream: 'http://[::1]:9000' } }))).toBe(
      'http://[::1]:9000',
    );
    expect(davUpstreamOf(resolveConfig({ web: { davUpstream: '' } }))).toBe('');
    expect(parseDavUpstream('')).toBeUndefined();
    expect(() => resolveConfig({ web: { davUpstream: 8026 } })).toThrow(ConfigError);
  });
});
