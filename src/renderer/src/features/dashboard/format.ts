import type { MetricsRange } from '../../../../shared/operate';
import type { ValueKind } from './chart-specs';

const UNITS = ['B/s', 'kB/s', 'MB/s', 'GB/s'];

// Intl formatters are costly to make and the axes ask for dozens: one per locale and precision.
const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, digits: number): Intl.NumberFormat {
  const key = `${locale}/${digits}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(locale, { maximumFractionDigits: digits })));
  return f;
}

/** A value as the owner reads it: "42 %", "1.25", "3.4 MB/s", "12". */
export function formatValue(kind: ValueKind, v: number, locale: string): string {
  const n = (x: number, digits: number) => numberFormat(locale, digits).format(x);
  switch (kind) {
    case 'percent':
      return `${n(v, v < 10 ? 1 : 0)} %`;
    case 'load':
      return n(v, 2);
    case 'bytesPerSecond': {
      let i = 0;
      while (v >= 1000 && i < UNITS.length - 1) {
        v /= 1000;
        i++;
      }
      return `${n(v, v < 10 ? 1 : 0)} ${UNITS[i]}`;
    }
    case 'count':
      return n(v, v < 10 ? 1 : 0);
  }
}

/** A time on the axis: hours and minutes for a day or less, the date beyond. */
export function timeFormatter(range: MetricsRange, locale: string): (t: number) => string {
  const f = new Intl.DateTimeFormat(
    locale,
    range === '1h' || range === '24h'
      ? { hour: '2-digit', minute: '2-digit' }
      : range === '7d'
        ? { weekday: 'short', hour: '2-digit' }
        : { day: 'numeric', month: 'short' },
  );
  return (t) => f.format(t);
}

/** A bucket size in words: "20 s", "5 min", "3 h". */
export function formatStep(ms: number, locale: string): string {
  const n = (x: number) => numberFormat(locale, 1).format(x);
  if (ms < 60_000) return `${n(ms / 1000)} s`;
  if (ms < 3_600_000) return `${n(ms / 60_000)} min`;
  return `${n(ms / 3_600_000)} h`;
}
