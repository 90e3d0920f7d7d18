import type { Request } from '../../../../shared/contract';
import type { BackupSettings } from '../../../../shared/backup';

type TargetRequest = Request<'setBackupSettings'>['target'];

/** Every field the target part of the form may hold, as typed (secrets start empty: never read back). */
export interface TargetDraft {
  kind: 'local' | 'sftp' | 's3';
  host: string;
  port: string;
  user: string;
  path: string;
  privateKey: string;
  knownHosts: string;
  endpoint: string;
  bucket: string;
  prefix: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const blank: TargetDraft = {
  kind: 'local',
  host: '',
  port: '22',
  user: '',
  path: '',
  privateKey: '',
  knownHosts: '',
  endpoint: '',
  bucket: '',
  prefix: '',
  region: 'us-east-1',
  accessKeyId: '',
  secretAccessKey: '',
};

export function targetDraft(target: BackupSettings['target']): TargetDraft {
  switch (target.kind) {
    case 'local':
      return blank;
    case 'sftp':
      return { ...blank, ...target, kind: 'sftp', port: String(target.port) };
    case 's3':
      return { ...blank, ...target, kind: 's3' };
  }
}

const given = (s: string): string | undefined => (s.trim() === '' ? undefined : s);

/** The contract's target; an empty secret is left out so the one saved on the server is kept. */
export function targetOf(d: TargetDraft): TargetRequest {
  switch (d.kind) {
    case 'local':
      return { kind: 'local' };
    case 'sftp':
      return {
        kind: 'sftp',
        host: d.host.trim(),
        port: Number(d.port) || 22,
        user: d.user.trim(),
        path: d.path.trim(),
        privateKey: given(d.privateKey),
        knownHosts: given(d.knownHosts),
      };
    case 's3':
      return {
        kind: 's3',
        endpoint: d.endpoint.trim(),
        bucket: d.bucket.trim(),
        prefix: d.prefix.trim(),
        region: d.region.trim() || 'us-east-1',
        accessKeyId: d.accessKeyId.trim(),
        secretAccessKey: given(d.secretAccessKey),
      };
  }
}
