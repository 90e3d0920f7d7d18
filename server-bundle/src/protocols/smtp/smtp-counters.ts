// Metrics counters around the SMTP handlers, without touching them: a message stored counts as
// in (MX) or out (submission); a refused MAIL, RCPT or DATA command counts as rejected.
import type { Counters } from '../../metrics/counters.ts';
import type { SmtpHandlers } from './smtp-server-adapter.ts';

export function countingSmtp<R>(
  handlers: SmtpHandlers<R>,
  counters: Counters | undefined,
  stored: 'messages_in' | 'messages_out',
): SmtpHandlers<R> {
  if (!counters) return handlers;
  const refused = (err: unknown): never => {
    counters.increment('messages_rejected');
    throw err;
  };
  return {
    ...handlers,
    ...(handlers.onMailFrom ? { onMailFrom: (s, from) => handlers.onMailFrom!(s, from).catch(refused) } : {}),
    onRcptTo: (s, to) => handlers.onRcptTo(s, to).catch(refused),
    onData: async (s, message, recipients) => {
      const text = await handlers.onData(s, message, recipients).catch(refused);
      counters.increment(stored);
      return text;
    },
  };
}
