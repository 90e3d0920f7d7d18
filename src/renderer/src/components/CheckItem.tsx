type Status = 'ok' | 'warn' | 'fail' | 'unknown';

const symbol: Record<Status, string> = { ok: '✓', warn: '!', fail: '✗', unknown: '?' };

/** One check (preflight or status): its colour and symbol, name, what was found, the sentence and the fix. */
export function CheckItem(props: {
  id: string;
  status: Status;
  title: string;
  statusLabel: string;
  value?: string;
  message: string;
  /** Shown only when the check is not green. */
  fix?: string;
}) {
  const { id, status, value, fix } = props;
  return (
    <li className={`check ${status}`} data-check={id} data-status={status}>
      <span className="check-icon" aria-hidden="true">
        {symbol[status]}
      </span>
      <div>
        <div className="check-title">
          <strong>{props.title}</strong>
          <span className="check-status">{props.statusLabel}</span>
          {value && <span className="muted mono">{value}</span>}
        </div>
        <p>{props.message}</p>
        {fix && status !== 'ok' && <p className="fix">{fix}</p>}
      </div>
    </li>
  );
}
