/**
 * The Mann–Whitney U test (Wilcoxon rank-sum test) of a canary sample against a baseline sample.
 * The rank sum comes from simple-statistics (`wilcoxonRankSum`, midranks for ties); the p-value
 * follows R's `wilcox.test`: the exact null distribution when both samples have fewer than 50
 * values and nothing is tied, otherwise the normal approximation with the tie-corrected variance
 * and a continuity correction. Pure.
 */
import { errorFunction, wilcoxonRankSum } from 'simple-statistics';

/** Which difference counts: the canary greater, less, or either (two-sided). */
export type Alternative = 'greater' | 'less' | 'two-sided';

export interface MannWhitneyResult {
  /** U of the canary: the number of (canary, baseline) pairs where the canary is larger (ties count 1/2). */
  u: number;
  p: number;
  /** The z score of the normal approximation (undefined for the exact test). */
  z: number | undefined;
  method: 'exact' | 'normal';
}

/** Below this many values in each sample, with no ties, the exact distribution is used (as in R). */
export const EXACT_LIMIT = 50;

/** Φ(z), the standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

/** The sizes of the groups of equal values (only groups of 2 or more). */
export function tieGroups(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const groups: number[] = [];
  let run = 1;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i] === sorted[i - 1]) run += 1;
    else {
      if (run > 1) groups.push(run);
      run = 1;
    }
  }
  return groups;
}

/**
 * How many ways each U in 0..m*n occurs among the C(m+n, m) equally likely rankings: the
 * number of m-subsets of {1..m+n} with each rank sum, by dynamic programming over the ranks.
 */
export function exactUCounts(m: number, n: number): Float64Array {
  const maxU = m * n;
  // ways[k][u]: subsets of k of the ranks seen so far whose U-part (sum - k(k+1)/2) is u.
  const ways = Array.from({ length: m + 1 }, () => new Float64Array(maxU + 1));
  ways[0]![0] = 1;
  for (let r = 1; r <= m + n; r++) {
    for (let k = Math.min(r, m); k >= 1; k--) {
      // adding rank r as the k-th smallest chosen rank adds r - k to U
      const shift = r - k;
      if (shift > n) continue;
      const from = ways[k - 1]!;
      const to = ways[k]!;
      for (let u = maxU - shift; u >= 0; u--) if (from[u]) to[u + shift]! += from[u]!;
    }
  }
  return ways[m]!;
}

/** The counts for the sizes seen last (a judge sees the same sizes step after step). */
const countsCache = new Map<string, Float64Array>();

function cachedCounts(m: number, n: number): Float64Array {
  const key = `${m}x${n}`;
  let counts = countsCache.get(key);
  if (!counts) {
    if (countsCache.size >= 16) countsCache.clear();
    countsCache.set(key, (counts = exactUCounts(m, n)));
  }
  return counts;
}

function exactP(u: number, m: number, n: number, alternative: Alternative): number {
  const counts = cachedCounts(m, n);
  let total = 0;
  for (const c of counts) total += c;
  const atMost = (x: number) => {
    let s = 0;
    for (let i = 0; i <= Math.floor(x) && i < counts.length; i++) s += counts[i]!;
    return s / total;
  };
  const upper = 1 - atMost(u - 1); // P(U >= u)
  const lower = atMost(u); // P(U <= u)
  if (alternative === 'greater') return upper;
  if (alternative === 'less') return lower;
  return Math.min(1, 2 * Math.min(upper, lower));
}

function normalP(
  u: number,
  m: number,
  n: number,
  ties: number[],
  alternative: Alternative,
  correct: boolean,
) {
  const N = m + n;
  const tieTerm = ties.reduce((s, t) => s + (t * t * t - t), 0);
  const variance = ((m * n) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  const d = u - (m * n) / 2;
  if (variance <= 0) return { p: 1, z: 0 };
  const correction = !correct
    ? 0
    : alternative === 'two-sided'
      ? Math.sign(d) * 0.5
      : alternative === 'greater'
        ? 0.5
        : -0.5;
  const z = (d - correction) / Math.sqrt(variance);
  if (alternative === 'greater') return { p: 1 - normalCdf(z), z };
  if (alternative === 'less') return { p: normalCdf(z), z };
  return { p: Math.min(1, 2 * Math.min(normalCdf(z), 1 - normalCdf(z))), z };
}

/** R's `exact` and `correct` switches: exact by default when allowed, continuity correction on. */
export interface MannWhitneyOptions {
  exact?: boolean;
  correct?: boolean;
}

/**
 * Tests whether `canary` is shifted against `baseline`. `greater` asks whether the canary is
 * larger. Both samples must hold at least one value.
 */
export function mannWhitney(
  canary: readonly number[],
  baseline: readonly number[],
  alternative: Alternative = 'two-sided',
  options: MannWhitneyOptions = {},
): MannWhitneyResult {
  if (canary.length === 0 || baseline.length === 0) throw new Error('both samples need at least one value');
  const m = canary.length;
  const n = baseline.length;
  const u = wilcoxonRankSum([...canary], [...baseline]) - (m * (m + 1)) / 2;
  const ties = tieGroups([...canary, ...baseline]);
  const exactAllowed = m < EXACT_LIMIT && n < EXACT_LIMIT && ties.length === 0;
  if (options.exact ?? exactAllowed)
    return { u, p: exactP(u, m, n, alternative), z: undefined, method: 'exact' };
  const { p, z } = normalP(u, m, n, ties, alternative, options.correct ?? true);
  return { u, p, z, method: 'normal' };
}
