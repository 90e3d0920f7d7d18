/** A labelled progress bar; without a total it shows activity only. */
export function ProgressBar({ label, done, total }: { label: string; done: number; total?: number }) {
  const known = total !== undefined && total > 0;
  const percent = known ? Math.min(100, Math.round((done / total) * 100)) : undefined;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      data-indeterminate={known ? undefined : 'true'}
    >
      <div className="progress-fill" style={{ width: known ? `${percent}%` : '100%' }} />
    </div>
  );
}
