import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ExportedRecoveryKit, ImportedItem } from '../../../../shared/recovery-kit';
import { describeError } from '../../app/errors';
import { useExportRecoveryKit, useImportRecoveryKit } from '../../queries/recovery-kit';
import { RecoverySheetView } from './RecoverySheetView';

function download(fileName: string, mimeType: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The recovery kit: export the vault (keys, tokens, recovery and backup keys, the servers and their
 * host keys) as a passphrase-encrypted file with a printable sheet, or import one on a new computer.
 */
export function RecoveryKitPanel() {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="kit-title" className="recovery-kit">
      <h2 id="kit-title">{t('settings.kit.title')}</h2>
      <p className="muted">{t('settings.kit.intro')}</p>
      <ExportKit />
      <ImportKit />
    </section>
  );
}

function ExportKit() {
  const { t } = useTranslation();
  const exportKit = useExportRecoveryKit();
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [kit, setKit] = useState<ExportedRecoveryKit>();
  const mismatch = confirm !== '' && confirm !== passphrase;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    exportKit.mutate(
      { passphrase, confirmPassphrase: confirm },
      {
        onSuccess: (made) => {
          setKit(made);
          setPassphrase('');
          setConfirm('');
          download(made.fileName, made.mimeType, made.content);
        },
      },
    );
  };

  return (
    <form onSubmit={submit} aria-labelledby="kit-export-title">
      <h3 id="kit-export-title">{t('settings.kit.exportTitle')}</h3>
      <p className="muted small">{t('settings.kit.passphraseHelp')}</p>
      <div className="field">
        <label htmlFor="kit-passphrase">{t('settings.kit.passphrase')}</label>
        <input
          id="kit-passphrase"
          type="password"
          autoComplete="new-password"
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="kit-confirm">{t('settings.kit.confirm')}</label>
        <input
          id="kit-confirm"
          type="password"
          autoComplete="new-password"
          value={confirm}
          aria-invalid={mismatch}
          onChange={(e) => setConfirm(e.target.value)}
        />
        {mismatch && <small role="alert">{t('settings.kit.mismatch')}</small>}
      </div>
      <button type="submit" disabled={exportKit.isPending || !passphrase || !confirm || mismatch}>
        {exportKit.isPending ? t('settings.kit.exporting') : t('settings.kit.export')}
      </button>
      {exportKit.error && (
        <p className="banner error" role="alert">
          {describeError(t, exportKit.error)}
        </p>
      )}
      {kit && (
        <div className="banner success" role="status">
          <p>{t('settings.kit.exported', { file: kit.fileName })}</p>
          <p>
            <button type="button" onClick={() => window.print()}>
              {t('settings.kit.print')}
            </button>{' '}
            <button type="button" onClick={() => download(kit.fileName, kit.mimeType, kit.content)}>
              {t('settings.kit.saveAgain')}
            </button>{' '}
            <button
              type="button"
              onClick={() =>
                download(kit.fileName.replace(/\.[^.]+$/, '-sheet.html'), 'text/html', kit.sheetHtml)
              }
            >
              {t('settings.kit.saveSheet')}
            </button>
          </p>
        </div>
      )}
      {kit && <RecoverySheetView sheet={kit.sheet} />}
    </form>
  );
}

function ImportKit() {
  const { t } = useTranslation();
  const importKit = useImportRecoveryKit();
  const [file, setFile] = useState<File>();
  const [passphrase, setPassphrase] = useState('');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    const content = await file.text();
    importKit.mutate({ content, passphrase }, { onSuccess: () => setPassphrase('') });
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="kit-import-title">
      <h3 id="kit-import-title">{t('settings.kit.importTitle')}</h3>
      <p className="muted small">{t('settings.kit.importHelp')}</p>
      <div className="field">
        <label htmlFor="kit-file">{t('settings.kit.file')}</label>
        <input
          id="kit-file"
          type="file"
          accept=".facteurkit,application/json"
          onChange={(e) => setFile(e.target.files?.[0])}
        />
      </div>
      <div className="field">
        <label htmlFor="kit-import-passphrase">{t('settings.kit.passphrase')}</label>
        <input
          id="kit-import-passphrase"
          type="password"
          autoComplete="off"
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value)}
        />
      </div>
      <button type="submit" disabled={importKit.isPending || !file || !passphrase}>
        {importKit.isPending ? t('settings.kit.importing') : t('settings.kit.import')}
      </button>
      {importKit.error && (
        <p className="banner error" role="alert">
          {describeError(t, importKit.error)}
        </p>
      )}
      {importKit.data && <ImportedList items={importKit.data.items} createdAt={importKit.data.createdAt} />}
    </form>
  );
}

function ImportedList({ items, createdAt }: { items: ImportedItem[]; createdAt: string }) {
  const { t } = useTranslation();
  return (
    <div className="banner success" role="status" data-testid="kit-imported">
      <p>{t('settings.kit.imported', { date: new Date(createdAt).toLocaleString() })}</p>
      <ul>
        {items.map((item, i) => (
          <li key={i}>
            {t(`settings.kit.outcome.${item.outcome}`, {
              what: t(`settings.kit.kind.${item.kind}`, { subject: item.subject }),
            })}
          </li>
        ))}
      </ul>
    </div>
  );
}
