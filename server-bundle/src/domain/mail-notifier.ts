// Told after a message reaches a mailbox's spool, so sessions in IDLE (any process) can drain it.
// The Redis pub/sub implementation lives in src/notify/; SMTP only sees this interface.
export interface MailNotifier {
  newMail(mailboxId: string): Promise<void>;
}
