// IMAP UID sets as sorted, merged, inclusive ranges. '*' is passed as Infinity and clamped here.
export type UidRange = readonly [number, number];

export const MAX_UID = 0xffff_ffff;

export function normalizeRanges(ranges: readonly UidRange[]): Array<[number, number]> {
  const sorted = ranges
    .map(([a, b]): [number, number] => {
      const lo = Math.max(1, Math.min(a, b));
      const hi = Math.min(MAX_UID, Math.max(a, b));
      return [lo, hi];
    })
    .filter(([a, b]) => a <= b)
    .sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

export function inRanges(uid: number, ranges: readonly UidRange[]): boolean {
  // ranges are normalized (sorted): binary search
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = ranges[mid]!;
    if (uid < a) hi = mid - 1;
    else if (uid > b) lo = mid + 1;
    else return true;
  }
  return false;
}

export const ALL: readonly UidRange[] = [[1, MAX_UID]];
