// Message analysis for IMAP: the domain analyzer's summary plus imap-core's ENVELOPE, BODYSTRUCTURE
// and BODY, computed once when a message is stored so FETCH never re-parses it. Give it to MailCore
// (MailCoreOptions.analyzer) in every role that stores mail: IMAP, POP3 and the spool drain.
import { defaultAnalyzer, type Analysis, type MessageAnalyzer } from '../../domain/message-analyzer.ts';
import { indexImapStructure, isImapStructure, type ImapStructure } from './imap-core-adapter.ts';

/** Key of the IMAP cache inside MessageSummary. */
export const IMAP_SUMMARY_KEY = 'imap';

export function withImapStructure(inner: MessageAnalyzer = defaultAnalyzer): MessageAnalyzer {
  return {
    async analyze(raw: Buffer): Promise<Analysis> {
      const a = await inner.analyze(raw);
      try {
        a.summary[IMAP_SUMMARY_KEY] = indexImapStructure(raw);
      } catch {
        // Pathological MIME (e.g. nesting deeper than the stack): FETCH computes or degrades later.
      }
      return a;
    },
  };
}

export const imapAnalyzer: MessageAnalyzer = withImapStructure();

/** The cached structure of a stored summary, if it has one. */
export function imapStructureOf(summary: unknown): ImapStructure | undefined {
  const s = (summary as Record<string, unknown> | undefined)?.[IMAP_SUMMARY_KEY];
  return isImapStructure(s) ? s : undefined;
}
