/**
 * The Backups page's form helpers: the target sent to main (an empty secret left out, so the saved
 * one is kept), checked against the contract's own schema, and schedules round-tripping.
 */
import { describe, expect, it } from 'vitest';
import { setBackupSettingsRequest } from '../../src/shared/backup';
import { scheduleDraft, scheduleOf } from '../../src/renderer/src/features/backups/format';
import { targetDraft, targetOf } from '../../src/renderer/src/features/backups/target-draft';

describe('Backups form', () => {
  it('sends an SFTP target without the secrets left empty, which the contract accepts', () => {
    const draft = targetDraft({
      kind: 'sftp',
      host: 'backup.example.org',
      port: 2222,
      user: 'mail',
      path: '/srv/b',
    });
    expect(draft.privateKey).toBe('');
    const target = targetOf(draft);
    expect(target).toEqual({
      kind: 'sftp',
      host: 'backup.example.org',
      port: 2222,
      user: 'mail',
      path: '/srv/b',
      privateKey: undefined,
      knownHosts: undefined,
    });
    const parsed = setBackupSettingsRequest.parse({ serverId: 's1', target });
    expect(parsed.target).not.toHaveProperty('privateKey', expect.anything());
    expect(parsed.retention).toEqual({ daily: 7, weekly: 4, monthly: 6 });
  });

  it('sends a typed S3 secret, and an empty region as the usual default', () => {
    const draft = {
      ...targetDraft({ kind: 'local', path: '/var/lib/facteur-backups/restic' }),
      kind: 's3' as const,
      endpoint: 'http://10.231.11.1:4569',
      bucket: 'mail-backups',
      region: ' ',
      accessKeyId: 'AK',
      secretAccessKey: 'secret',
    };
    const target = targetOf(draft);
    expect(target).toMatchObject({ kind: 's3', region: 'us-east-1', secretAccessKey: 'secret', prefix: '' });
    expect(() => setBackupSettingsRequest.parse({ serverId: 's1', target })).not.toThrow();
  });

  it('keeps a server target as "on this server" only', () => {
    expect(targetOf(targetDraft({ kind: 'local', path: '/var/lib/facteur-backups/restic' }))).toEqual({
      kind: 'local',
    });
  });

  it('turns schedules into drafts and back', () => {
    expect(scheduleOf(scheduleDraft({ dailyAt: '03:30' }))).toEqual({ dailyAt: '03:30' });
    expect(scheduleDraft({ everyMs: 6 * 3_600_000 })).toEqual({ mode: 'every', hours: '6' });
    expect(scheduleOf({ mode: 'every', hours: '12' })).toEqual({ everyMs: 12 * 3_600_000 });
    expect(() =>
      setBackupSettingsRequest.parse({
        serverId: 's1',
        target: { kind: 'local' },
        schedule: scheduleOf({ mode: 'every', hours: '1' }),
      }),
    ).not.toThrow();
  });
});
