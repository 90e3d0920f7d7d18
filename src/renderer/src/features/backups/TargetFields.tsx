import { useTranslation } from 'react-i18next';
import type { TargetDraft } from './target-draft';

/** Where backups go: this server, another computer over SFTP, or S3-compatible storage, with their fields. */
export function TargetFields({
  draft,
  onChange,
  savedKind,
}: {
  draft: TargetDraft;
  onChange: (next: TargetDraft) => void;
  /** The kind saved on the server: its secrets may be left empty to keep them. */
  savedKind?: TargetDraft['kind'];
}) {
  const { t } = useTranslation();
  const set = (patch: Partial<TargetDraft>) => onChange({ ...draft, ...patch });
  const keepsSecret = savedKind === draft.kind;
  const input = (id: keyof TargetDraft, label: string, help?: string, type = 'text', required = true) => (
    <div className="field">
      <label htmlFor={`backup-${id}`}>{label}</label>
      <input
        id={`backup-${id}`}
        type={type}
        value={draft[id]}
        required={required}
        autoComplete="off"
        onChange={(e) => set({ [id]: e.target.value })}
      />
      {help && <small>{help}</small>}
    </div>
  );
  const secret = (id: 'privateKey' | 'knownHosts', label: string, help: string) => (
    <div className="field">
      <label htmlFor={`backup-${id}`}>{label}</label>
      <textarea
        id={`backup-${id}`}
        rows={3}
        className="mono"
        value={draft[id]}
        required={!keepsSecret}
        spellCheck={false}
        autoComplete="off"
        placeholder={keepsSecret ? t('backups.settings.sftp.keptSecret') : undefined}
        onChange={(e) => set({ [id]: e.target.value })}
      />
      <small>{help}</small>
    </div>
  );

  return (
    <>
      <fieldset className="field">
        <legend>{t('backups.settings.where')}</legend>
        {(['local', 'sftp', 's3'] as const).map((kind) => (
          <div key={kind}>
            <label className="radio">
              <input
                type="radio"
                name="backup-target"
                value={kind}
                checked={draft.kind === kind}
                onChange={() => set({ kind })}
              />
              {t(`backups.settings.target.${kind}`)}
            </label>
            <small className="muted radio-help">{t(`backups.settings.target.${kind}Help`)}</small>
          </div>
        ))}
      </fieldset>
      {draft.kind === 'sftp' && (
        <div className="target-fields">
          {input('host', t('backups.settings.sftp.host'))}
          {input('port', t('backups.settings.sftp.port'), undefined, 'number')}
          {input('user', t('backups.settings.sftp.user'))}
          {input('path', t('backups.settings.sftp.path'), t('backups.settings.sftp.pathHelp'))}
          {secret(
            'privateKey',
            t('backups.settings.sftp.privateKey'),
            t('backups.settings.sftp.privateKeyHelp'),
          )}
          {secret(
            'knownHosts',
            t('backups.settings.sftp.knownHosts'),
            t('backups.settings.sftp.knownHostsHelp'),
          )}
        </div>
      )}
      {draft.kind === 's3' && (
        <div className="target-fields">
          {input('endpoint', t('backups.settings.s3.endpoint'), t('backups.settings.s3.endpointHelp'), 'url')}
          {input('bucket', t('backups.settings.s3.bucket'))}
          {input('prefix', t('backups.settings.s3.prefix'), undefined, 'text', false)}
          {input('region', t('backups.settings.s3.region'), undefined, 'text', false)}
          {input('accessKeyId', t('backups.settings.s3.accessKeyId'))}
          <div className="field">
            <label htmlFor="backup-secretAccessKey">{t('backups.settings.s3.secretAccessKey')}</label>
            <input
              id="backup-secretAccessKey"
              type="password"
              value={draft.secretAccessKey}
              required={!keepsSecret}
              autoComplete="off"
              placeholder={keepsSecret ? t('backups.settings.s3.keptSecret') : undefined}
              onChange={(e) => set({ secretAccessKey: e.target.value })}
            />
          </div>
        </div>
      )}
    </>
  );
}
