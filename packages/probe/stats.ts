/** The nearest-rank percentile of ascending-sorted values (0 when empty). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return sorted[rank - 1] as number;
}

/** Rounds to 0.1 ms for reports. */
export function round1(ms: number): number {
  return Math.round(ms * 10) / 10;
}
