import { useTranslation } from 'react-i18next';
import type { MetricsRange } from '../../../../shared/operate';

// Listed here rather than imported from the contract's module, which would bring zod into the renderer.
const metricsRanges = ['1h', '24h', '7d', '30d'] as const satisfies readonly MetricsRange[];

export function RangePicker({
  value,
  onChange,
}: {
  value: MetricsRange;
  onChange: (r: MetricsRange) => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="range-picker" role="group" aria-label={t('dashboard.rangeLabel')}>
      {metricsRanges.map((r) => (
        <button
          key={r}
          type="button"
          aria-pressed={r === value}
          aria-label={t(`dashboard.rangeName.${r}`)}
          onClick={() => onChange(r)}
        >
          {t(`dashboard.range.${r}`)}
        </button>
      ))}
    </div>
  );
}
