// Envelope address sanity checks done before any lookup: what smtp-server lets through may still
// hold control characters or the replacement character of invalid UTF-8.
const BAD = /[\s\u0000-\u001f\u007f\ufffd<>()[\]\\,;"]/u;

/** local@domain with a plausible domain; SMTPUTF8 (non-ASCII) is fine. */
export function isPlausibleAddress(address: string): boolean {
  if (address.length > 320 || BAD.test(address)) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at > 64 * 4) return false;
  const domain = address.slice(at + 1);
  return domain.length > 0 && domain.length <= 255 && !domain.startsWith('.') && !domain.includes('..');
}
