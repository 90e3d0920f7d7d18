/** A long command as root whose stdout is read line by line as it runs (apt's progress). */
import { FacteurError } from '../../../shared/errors';
import type { RootShell } from './root-shell';

export interface StreamedResult {
  code: number;
  /** The last lines of stdout and stderr together, for error messages. */
  tail: string[];
}

const TAIL_LINES = 40;

export async function runStreamed(
  root: RootShell,
  command: string,
  options: { onLine: (line: string) => void; timeoutMs: number; what: string },
): Promise<StreamedResult> {
  const channel = await root.open(command);
  channel.end(); // nothing more on stdin (sudo's password line, if any, went first)
  const tail: string[] = [];
  const keep = (line: string): void => {
    if (!line.trim()) return;
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  const lines = (each: (line: string) => void): ((chunk: Buffer) => void) => {
    let rest = '';
    return (chunk) => {
      rest += chunk.toString('utf8');
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      for (const part of parts) each(part.replace(/\r$/, ''));
    };
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      channel.close();
      reject(
        new FacteurError(
          'TIMEOUT',
          `${options.what} did not finish within ${Math.round(options.timeoutMs / 60_000)} minutes. ` +
            'The server may be slow to reach its package mirror: try again later.',
        ),
      );
    }, options.timeoutMs);
    channel.on(
      'data',
      lines((line) => {
        keep(line);
        options.onLine(line);
      }),
    );
    channel.stderr.on('data', lines(keep));
    let code: number | null = null;
    channel.on('exit', (c: number | null) => (code = c));
    channel.on('close', () => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, tail });
    });
  });
}
