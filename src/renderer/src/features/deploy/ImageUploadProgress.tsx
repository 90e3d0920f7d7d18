import { useTranslation } from 'react-i18next';
import { formatBytes } from '../servers/format';
import { formatDuration } from './format';
import { ProgressBar } from './ProgressBar';
import type { ProgressEvent } from './use-operation-progress';

/** Sending the server image: a bar with bytes, speed and time left. */
export function ImageUploadProgress({ event, rate }: { event: ProgressEvent; rate?: number }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const total = event.total ?? 0;
  const left = rate && rate > 0 && total > event.done ? (total - event.done) / rate : undefined;
  return (
    <div className="operation" data-testid="image-progress">
      <ProgressBar label={t('deploy.imageProgress')} done={event.done} total={event.total} />
      <p className="muted small">
        {total
          ? t('deploy.bytesOf', { done: formatBytes(event.done, locale), total: formatBytes(total, locale) })
          : formatBytes(event.done, locale)}
        {rate !== undefined && ` · ${t('deploy.speed', { speed: formatBytes(rate, locale) })}`}
        {left !== undefined && ` · ${t('deploy.timeLeft', { time: formatDuration(t, left) })}`}
      </p>
    </div>
  );
}
