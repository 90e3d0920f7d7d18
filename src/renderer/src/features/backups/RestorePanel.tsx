import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BackupContents, DnsChange, RestoreResult } from '../../../../shared/backup';
import type { ServerProfile } from '../../../../shared/contract';
import { ErrorDetails } from '../deploy/ErrorDetails';
import {
  useRestoreMailbox,
  useRestoreOntoNewServer,
  useRestoreServer,
  useVerifyRestore,
} from '../../queries/backups';
import { formatDuration } from '../deploy/format';
import { newOperationId, useOperationProgress } from '../deploy/use-operation-progress';
import { BackupProgress } from './BackupProgress';
import { DnsChangesTable } from './DnsChangesTable';
import { formatWhen } from './format';
import { RestoreConfirm, type RestorePlan } from './RestoreConfirm';
import { VerificationTable } from './VerificationTable';

/**
 * Restores one mailbox, or the whole server onto this server or another one, from the selected
 * backup: a confirmation first, progress throughout, then counts per mailbox (and, on another
 * server, the DNS records to change).
 */
export function RestorePanel({
  serverId,
  servers,
  contents,
  hasLaptopCopy,
  keptOnServer,
  onOpenDns,
}: {
  serverId: string;
  servers: ServerProfile[];
  contents: BackupContents;
  hasLaptopCopy: boolean;
  /** Backups kept on the server itself reach another server only through the copy on this laptop. */
  keptOnServer: boolean;
  onOpenDns: (serverId: string, domain: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const [kind, setKind] = useState<'mailbox' | 'server'>('mailbox');
  const [mailbox, setMailbox] = useState(contents.mailboxes[0]?.address ?? '');
  const [onto, setOnto] = useState(serverId);
  const [from, setFrom] = useState<'target' | 'laptop'>('target');
  const [confirming, setConfirming] = useState(false);
  const [operationId, setOperationId] = useState<string>();
  const progress = useOperationProgress(operationId);
  const restoreMailbox = useRestoreMailbox();
  const restoreServer = useRestoreServer();
  const restoreOnto = useRestoreOntoNewServer();
  const verify = useVerifyRestore();
  const [done, setDone] = useState<{ result: RestoreResult; onto: string; dnsChanges?: DnsChange[] }>();

  const nameOf = (id: string) => servers.find((s) => s.id === id)?.name ?? id;
  const date = formatWhen(contents.time, i18n.language);
  const target = kind === 'mailbox' ? serverId : onto;
  const plan: RestorePlan = { kind, mailbox, source: nameOf(serverId), server: nameOf(target), date };
  const elsewhere = kind === 'server' && onto !== serverId;
  // Onto another server, backups kept on this one come from the copy on this laptop.
  const source = elsewhere && keptOnServer ? 'laptop' : from;
  const blocked = elsewhere && keptOnServer && !hasLaptopCopy;
  const running = restoreMailbox.isPending || restoreServer.isPending || restoreOnto.isPending;
  const error = restoreMailbox.error ?? restoreServer.error ?? restoreOnto.error;

  const start = () => {
    setConfirming(false);
    setDone(undefined);
    verify.reset();
    const id = newOperationId();
    setOperationId(id);
    const base = { operationId: id, snapshotId: contents.snapshotId, from: source };
    const finished = (result: RestoreResult, dnsChanges?: DnsChange[]) => {
      setDone({ result, onto: target, dnsChanges });
      verify.mutate({ serverId: target });
    };
    if (kind === 'mailbox')
      restoreMailbox.mutate(
        { serverId, operationId: id, snapshotId: contents.snapshotId, mailbox },
        { onSuccess: (r) => finished(r) },
      );
    else if (onto === serverId)
      restoreServer.mutate({ ...base, serverId }, { onSuccess: (r) => finished(r) });
    else
      restoreOnto.mutate(
        { ...base, fromServerId: serverId, toServerId: onto },
        { onSuccess: (r) => finished(r, r.dnsChanges) },
      );
  };

  return (
    <section aria-labelledby="restore-title" data-testid="restore-panel">
      <h3 id="restore-title">{t('backups.restore.title')}</h3>
      <fieldset className="field" disabled={running}>
        <legend>{t('backups.restore.what')}</legend>
        <div className="inline-form">
          <label className="radio">
            <input
              type="radio"
              name="restore-kind"
              checked={kind === 'mailbox'}
              disabled={contents.mailboxes.length === 0}
              onChange={() => setKind('mailbox')}
            />
            {t('backups.restore.mailbox')}
          </label>
          <select
            aria-label={t('backups.restore.mailboxSelect')}
            value={mailbox}
            disabled={kind !== 'mailbox'}
            onChange={(e) => setMailbox(e.target.value)}
          >
            {contents.mailboxes.map((m) => (
              <option key={m.address} value={m.address}>
                {m.address}
              </option>
            ))}
          </select>
        </div>
        <label className="radio">
          <input
            type="radio"
            name="restore-kind"
            checked={kind === 'server'}
            onChange={() => setKind('server')}
          />
          {t('backups.restore.server')}
        </label>
      </fieldset>
      {kind === 'server' && (
        <>
          <div className="field">
            <label htmlFor="restore-onto">{t('backups.restore.onto')}</label>
            <select
              id="restore-onto"
              value={onto}
              disabled={running}
              onChange={(e) => setOnto(e.target.value)}
            >
              {servers.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.id === serverId
                    ? t('backups.restore.thisServer', { name: s.name })
                    : t('backups.restore.otherServer', { name: s.name })}
                </option>
              ))}
            </select>
            <small>{t('backups.restore.newServerHelp')}</small>
          </div>
          {blocked && (
            <p className="banner error" role="alert">
              {t('backups.restore.needsLaptopCopy', { server: nameOf(serverId) })}
            </p>
          )}
          {hasLaptopCopy && !(elsewhere && keptOnServer) && (
            <fieldset className="field" disabled={running}>
              <legend>{t('backups.restore.from')}</legend>
              {(['target', 'laptop'] as const).map((f) => (
                <label key={f} className="radio">
                  <input type="radio" name="restore-from" checked={from === f} onChange={() => setFrom(f)} />
                  {f === 'target' ? t('backups.restore.fromTarget') : t('backups.restore.fromLaptop')}
                </label>
              ))}
            </fieldset>
          )}
        </>
      )}
      {confirming ? (
        <RestoreConfirm plan={plan} onConfirm={start} onCancel={() => setConfirming(false)} />
      ) : (
        <button
          type="button"
          className="danger"
          disabled={running || blocked || (kind === 'mailbox' && !mailbox)}
          onClick={() => setConfirming(true)}
        >
          {running ? t('backups.restore.running') : t('backups.restore.review')}
        </button>
      )}
      {running && <BackupProgress progress={progress} label={t('backups.restore.progressLabel')} />}
      {error && !running && <ErrorDetails error={error} lead={t('backups.restore.failed')} />}
      {done && (
        <>
          <p className="banner success" role="status" data-testid="restore-done">
            {t('backups.restore.done', { date, duration: formatDuration(t, done.result.seconds) })}{' '}
            {done.result.keptAside && t('backups.restore.doneAside', { path: done.result.keptAside })}
          </p>
          <h3>{t('backups.verify.title')}</h3>
          <p className="muted">{t('backups.verify.intro')}</p>
          {verify.isPending && <p className="muted">{t('backups.verify.running')}</p>}
          {verify.error && <ErrorDetails error={verify.error} />}
          {verify.data && (
            <VerificationTable
              verification={verify.data}
              highlight={kind === 'mailbox' ? mailbox : undefined}
            />
          )}
          {!verify.isPending && (
            <button type="button" onClick={() => verify.mutate({ serverId: done.onto })}>
              {t('backups.verify.again')}
            </button>
          )}
          {done.dnsChanges && (
            <DnsChangesTable
              changes={done.dnsChanges}
              server={nameOf(done.onto)}
              onOpenDns={() => onOpenDns(done.onto, contents.domains[0] ?? '')}
            />
          )}
        </>
      )}
    </section>
  );
}
