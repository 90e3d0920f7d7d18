import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compareApiVersions } from '../../src/main/services/docker/api-version';
import { negotiateApiVersion } from '../../src/main/services/docker/docker-client';
import { composeFile } from '../../src/main/services/stack/compose';
import { containerPlan, initPlan, oneShotPlan } from '../../src/main/services/stack/container-options';
import { shq } from '../../src/main/services/stack/stack-deployer';
import { GROUPS, ROLE_DEFS, stackSpec, type RoleName } from '../../src/main/services/stack/stack-spec';

const spec = stackSpec({ image: 'facteur-server:1.2.3' });

type Body = {
  Image: string;
  Cmd: string[];
  User: string;
  Env: string[];
  Healthcheck: Record<string, unknown>;
  HostConfig: Record<string, unknown> & { CapAdd: string[]; SecurityOpt: string[]; Binds: string[] };
  Labels: Record<string, string>;
};

describe('stack spec', () => {
  it('runs every role of the server exactly once, Redis first', () => {
    const roles = spec.services.flatMap((s) => s.roles).sort();
    expect(roles).toEqual((Object.keys(ROLE_DEFS) as RoleName[]).sort());
    expect(spec.services[0]!.name).toBe('redis');
    expect(GROUPS.map((g) => g.name)).toEqual(spec.services.map((s) => s.name));
  });

  it('runs the same roles as the server bundle (its ROLES), Redis apart', () => {
    const source = readFileSync(join(__dirname, '../../server-bundle/src/run/server-config.ts'), 'utf8');
    const list = /export const ROLES = \[([^\]]*)\]/.exec(source)?.[1];
    const serverRoles = [...(list ?? '').matchAll(/'(\w+)'/g)].map((m) => m[1]);
    expect(serverRoles.length).toBeGreaterThan(0);
    expect((Object.keys(ROLE_DEFS) as RoleName[]).filter((r) => r !== 'redis').sort()).toEqual(
      serverRoles.sort(),
    );
  });

  it('runs the dav role in the mail container, on loopback, and its healthcheck probes it', () => {
    const mail = spec.services.find((s) => s.name === 'mail')!;
    expect(mail.roles).toEqual(['submission', 'imap', 'pop3', 'dav']);
    expect(mail.command).toEqual(['role', 'submission', 'imap', 'pop3', 'dav']);
    expect(mail.ports.find((p) => p.port === 8026)).toMatchObject({ public: false });
    const body = containerPlan(spec, mail, '1.41').body as Body;
    expect(body.Cmd).toEqual(['role', 'submission', 'imap', 'pop3', 'dav']);
    expect(body.Healthcheck.Test).toEqual([
      'CMD',
      'facteur-server',
      'health',
      'submission',
      'imap',
      'pop3',
      'dav',
    ]);
    const compose = parse(composeFile(spec)) as {
      services: Record<string, { healthcheck: { test: string[] } }>;
    };
    expect(compose.services.mail!.healthcheck.test).toContain('dav');
  });

  it('keeps NET_BIND_SERVICE only where a port below 1024 is listened on, no-new-privileges elsewhere', () => {
    for (const s of spec.services) {
      const body = containerPlan(spec, s, '1.41').body as Body;
      const low = s.ports.some((p) => p.port < 1024);
      expect(body.HostConfig.CapDrop).toEqual(['ALL']);
      expect(body.HostConfig.CapAdd).toEqual(low ? ['NET_BIND_SERVICE'] : []);
      expect(body.HostConfig.SecurityOpt).toEqual(low ? [] : ['no-new-privileges:true']);
      expect(body.User).toBe('10025:10025');
      expect(body.HostConfig.ReadonlyRootfs).toBe(true);
      expect(body.HostConfig.NetworkMode).toBe('host');
      expect(body.HostConfig.RestartPolicy).toEqual({ Name: 'unless-stopped', MaximumRetryCount: 0 });
      expect(body.HostConfig.LogConfig).toEqual({
        Type: 'json-file',
        Config: { 'max-size': '10m', 'max-file': '3' },
      });
      expect(body.Healthcheck.Test).toEqual(['CMD', 'facteur-server', 'health', ...s.roles]);
    }
    // Services that are not public never listen below 1024 here (control API, Redis).
    expect(spec.services.filter((s) => s.ports.every((p) => !p.public)).map((s) => s.name)).toEqual([
      'redis',
      'admin',
    ]);
  });

  it('mounts the data directory at the same path; Redis sees it read-only but for its own directory', () => {
    const redis = containerPlan(spec, spec.services[0]!, '1.41').body as Body;
    expect(redis.HostConfig.Binds).toEqual([
      '/var/lib/facteur:/var/lib/facteur:ro',
      '/var/lib/facteur/redis:/var/lib/facteur/redis',
    ]);
    const edge = containerPlan(spec, spec.services[1]!, '1.41').body as Body;
    expect(edge.HostConfig.Binds).toEqual(['/var/lib/facteur:/var/lib/facteur']);
    expect(edge.Env).toEqual(['FACTEUR_CONFIG=/var/lib/facteur/facteur.json']);
  });

  it('mounts the backup directory into the admin container and one-shot containers only', () => {
    const binds = (i: number): string[] =>
      (containerPlan(spec, spec.services[i]!, '1.41').body as Body).HostConfig.Binds;
    expect(spec.services.map((s) => s.name)).toEqual(['redis', 'edge', 'mail', 'admin']);
    expect(binds(3)).toEqual([
      '/var/lib/facteur:/var/lib/facteur',
      '/var/lib/facteur-backups:/var/lib/facteur-backups',
    ]);
    for (const i of [0, 1, 2]) expect(binds(i).join(' ')).not.toContain('facteur-backups');
    expect((initPlan(spec).body as Body).HostConfig.Binds).toEqual([
      '/var/lib/facteur:/var/lib/facteur',
      '/var/lib/facteur-backups:/var/lib/facteur-backups',
    ]);
    const restore = oneShotPlan(spec, { name: 'restore', command: ['backup', 'restore'], network: 'host' });
    expect(restore.name).toBe('facteur-restore');
    expect((restore.body as Body).HostConfig.NetworkMode).toBe('host');
  });

  it('sends the healthcheck start interval only to engines that know it (API 1.44+)', () => {
    const s = spec.services[1]!;
    expect((containerPlan(spec, s, '1.41').body as Body).Healthcheck).not.toHaveProperty('StartInterval');
    expect((containerPlan(spec, s, '1.47').body as Body).Healthcheck).toMatchObject({ StartInterval: 1e9 });
  });

  it('labels each container with a hash that changes with its options and not otherwise', () => {
    const a = containerPlan(spec, spec.services[2]!, '1.41');
    expect(containerPlan(spec, spec.services[2]!, '1.41').specHash).toBe(a.specHash);
    const other = stackSpec({ image: 'facteur-server:1.2.4' });
    expect(containerPlan(other, other.services[2]!, '1.41').specHash).not.toBe(a.specHash);
    expect((a.body as Body).Labels).toMatchObject({
      'org.facteur.stack': 'facteur',
      'org.facteur.service': 'mail',
    });
  });

  it('can run one process per role instead', () => {
    const perRole = stackSpec({ image: 'x', layout: 'per-role' });
    expect(perRole.services.map((s) => s.name)).toEqual([
      'redis',
      'mx',
      'web',
      'outbound',
      'submission',
      'imap',
      'pop3',
      'dav',
      'control',
      'jobs',
    ]);
    expect(perRole.services.find((s) => s.name === 'outbound')!.bindsPrivilegedPorts).toBe(false);
  });
});

describe('docker-compose.yml', () => {
  const doc = parse(composeFile(spec)) as {
    services: Record<
      string,
      Record<string, unknown> & { depends_on?: Record<string, { condition: string }> }
    >;
  };

  it('describes the same containers as the deployer creates', () => {
    expect(Object.keys(doc.services)).toEqual(['init', 'redis', 'edge', 'mail', 'admin']);
    for (const s of spec.services) {
      const body = containerPlan(spec, s, '1.41').body as Body;
      const c = doc.services[s.name]!;
      expect(c).toMatchObject({
        container_name: `facteur-${s.name}`,
        image: 'facteur-server:1.2.3',
        command: body.Cmd,
        user: '10025:10025',
        network_mode: 'host',
        read_only: true,
        cap_drop: ['ALL'],
        volumes: body.HostConfig.Binds,
        restart: 'unless-stopped',
        environment: { FACTEUR_CONFIG: '/var/lib/facteur/facteur.json' },
        logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } },
        healthcheck: { test: ['CMD', 'facteur-server', 'health', ...s.roles], interval: '30s' },
        labels: body.Labels,
      });
      expect(c.cap_add ?? []).toEqual(body.HostConfig.CapAdd);
      expect(c.security_opt ?? []).toEqual(body.HostConfig.SecurityOpt);
    }
  });

  it('starts init first, Redis next, then the roles together once Redis is healthy', () => {
    const init = initPlan(spec).body as Body;
    expect(doc.services.init).toMatchObject({ command: init.Cmd, restart: 'no', network_mode: 'none' });
    expect(doc.services.redis!.depends_on).toEqual({ init: { condition: 'service_completed_successfully' } });
    for (const name of ['edge', 'mail', 'admin']) {
      expect(doc.services[name]!.depends_on).toEqual({
        init: { condition: 'service_completed_successfully' },
        redis: { condition: 'service_healthy' },
      });
    }
  });
});

describe('Docker API version negotiation', () => {
  it('uses the daemon version up to ours, and refuses engines older than 20.10', () => {
    expect(compareApiVersions('1.9', '1.41')).toBeLessThan(0);
    expect(negotiateApiVersion('1.41')).toBe('1.41');
    expect(negotiateApiVersion('1.45')).toBe('1.45');
    expect(negotiateApiVersion('1.51')).toBe('1.47');
    expect(() => negotiateApiVersion('1.40')).toThrow(/too old/);
  });
});

describe('shell quoting', () => {
  it('quotes anything for sh', () => {
    expect(shq("/var/lib/it's here")).toBe(`'/var/lib/it'\\''s here'`);
  });
});
