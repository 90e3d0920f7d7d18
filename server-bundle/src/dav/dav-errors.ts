// What a DAV request can fail with, in plain words; `condition` names an RFC precondition element
// ("{ns}name") sent in a DAV:error body.
export class DavError extends Error {
  override name = 'DavError';
  readonly status: number;
  readonly condition: string | undefined;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    message: string,
    opts: { condition?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.condition = opts.condition;
    this.headers = opts.headers ?? {};
  }
}
