// Issuing a control token outside the control role: `facteur-server control-token` (the desktop
// runs it over SSH at deploy time and keeps the printed token in its vault), and the development
// stack, which writes one to <dataDir>/control-token (mode 600) for local use.
import { join } from 'node:path';
import { MailCore } from '../domain/mail-core.ts';
import { writeFileDurable } from '../storage/durable-write.ts';
import { ControlTokens } from './token-store.ts';

export async function issueControlToken(dataDir: string): Promise<string> {
  const core = await MailCore.open({ dataDir });
  try {
    return new ControlTokens(core.config).issue();
  } finally {
    core.close();
  }
}

/** Development only: a fresh token in a 600 file next to the data; returns the file's path. */
export async function writeDevControlToken(dataDir: string): Promise<string> {
  const path = join(dataDir, 'control-token');
  await writeFileDurable(path, (await issueControlToken(dataDir)) + '\n', 0o600);
  return path;
}
