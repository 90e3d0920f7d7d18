/**
 * The printable sheet that goes with a recovery kit: a standalone HTML page (no script, no outside
 * resource) the owner prints and keeps with the file. It names the servers and their host key
 * fingerprints, the kit file's SHA-256, and each server's backup key and backup location, so paper
 * alone is enough to read the backups. The passphrase is never on it: there is a blank line for
 * the owner to write it by hand.
 */
import type { RecoverySheet } from '../../../shared/recovery-kit';

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The hex digest in groups of four, easier to compare by eye. */
const grouped = (hex: string): string => hex.match(/.{1,4}/g)?.join(' ') ?? hex;

export function recoverySheetHtml(sheet: RecoverySheet): string {
  const servers = sheet.servers
    .map(
      (s) => `
    <section class="server">
      <h2>${escape(s.name)}</h2>
      <dl>
        <dt>Address (SSH)</dt><dd><code>${escape(s.address)}</code></dd>
        <dt>Host key fingerprint</dt><dd><code>${escape(s.hostKeyFingerprint)}</code></dd>
        <dt>Backups are in</dt><dd>${s.backupLocation ? `<code>${escape(s.backupLocation)}</code>` : 'not known on this computer'}</dd>
        <dt>Backup key</dt><dd>${s.backupKey ? `<code class="secret">${escape(s.backupKey)}</code>` : 'backups were not set up from this computer'}</dd>
      </dl>
    </section>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Facteur recovery sheet</title>
<style>
  body { font: 11pt/1.45 system-ui, sans-serif; margin: 2cm; color: #000; }
  h1 { font-size: 18pt; margin: 0 0 .3em; }
  h2 { font-size: 13pt; margin: 1.2em 0 .3em; }
  dl { display: grid; grid-template-columns: 12em 1fr; gap: .2em 1em; margin: 0; }
  dt { font-weight: 600; }
  code { font: 10pt ui-monospace, monospace; word-break: break-all; }
  .secret { font-size: 11pt; letter-spacing: .03em; }
  .write { border-bottom: 1px solid #000; height: 2.2em; margin: .4em 0 1em; }
  .server { break-inside: avoid; border-top: 1px solid #888; }
  .muted { color: #444; }
</style>
</head>
<body>
  <h1>Facteur recovery sheet</h1>
  <p class="muted">Made on ${escape(sheet.createdAt)}. Keep it somewhere safe, apart from your computer: with the
  recovery kit file and its passphrase, a new computer regains access to your mail servers; with this sheet alone,
  the backups below can be read with restic.</p>
  <dl>
    <dt>Recovery kit file</dt><dd><code>${escape(sheet.fileName)}</code></dd>
    <dt>Its SHA-256</dt><dd><code>${escape(grouped(sheet.kitSha256))}</code></dd>
  </dl>
  <p><strong>Passphrase of the kit</strong> (write it by hand):</p>
  <div class="write"></div>
  ${servers || '<p>No server was in Facteur when this sheet was made.</p>'}
  <p class="muted">To import: open Facteur on the new computer, Settings, Recovery kit, Import, choose the file and type
  the passphrase. To read a backup without Facteur: <code>restic -r LOCATION snapshots</code>, giving the backup key as
  the repository password.</p>
</body>
</html>
`;
}
