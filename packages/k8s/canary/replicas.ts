/**
 * Replica math for `route: replicas`, where the Service selects only `app` and traffic follows the
 * ready-pod ratio: weight = canary / (stable + canary).
 *
 * Rules (documented in the action README, with a table):
 * - The canary never has fewer than 1 replica, and stable never fewer than 1 (or the HPA's
 *   minReplicas) before promotion, so the live Service always has ready stable pods behind it.
 * - Without an HPA, both sides are scaled: the total stays between the base size (the Deployment's
 *   replicas) and `base + surge` (default surge: ceil(base / 4), like a Deployment's 25 % maxSurge).
 *   Among all (stable, canary) pairs allowed, the one whose ratio is closest to the step wins; ties
 *   go to the total closest to the base size, then to the larger stable side.
 * - With an HPA targeting stable, the HPA owns stable's size: stable is left at its current size,
 *   clamped to [minReplicas, maxReplicas], and only the canary is sized, up to maxReplicas.
 * - Step 100 cannot be reached before promotion (stable never goes to 0): the canary runs at the
 *   base size beside the smallest stable allowed, and promotion then moves the rest.
 *
 * Azure/k8s-deploy's pod canary leaves stable at full size and adds a canary and a baseline
 * workload of round(base * p) pods each, all selected by the Service, so the canary's real share is
 * k / (base + 2k): 4 replicas at 25 % gives 1 / 6 = 16.7 %, and 4 at 10 % gives 0 canary pods.
 */

export interface Hpa {
  name: string;
  minReplicas: number;
  maxReplicas: number;
}

export interface ReplicaInput {
  /** The step, in percent (1..100). */
  weight: number;
  /** The base size: the stable Deployment's replicas before the canary started. */
  base: number;
  /** Extra pods the total may exceed the base by (default ceil(base / 4)). */
  surge?: number;
  /** The HPA targeting the stable Deployment, if any. */
  hpa?: Hpa;
  /** Stable's current replicas (used with an HPA: the HPA owns this number). */
  stableCurrent?: number;
}

export interface ReplicaPlan {
  stable: number;
  canary: number;
  /** The traffic share the canary really gets, in percent (rounded to 0.1). */
  actual: number;
  /** Why the plan differs from the step, when it does. */
  note?: string;
}

export function defaultSurge(base: number): number {
  return Math.ceil(base / 4);
}

/** The pair of replica counts whose ratio is closest to the step, under the rules above. */
export function planReplicas(input: ReplicaInput): ReplicaPlan {
  const base = Math.max(1, Math.floor(input.base));
  const w = Math.min(100, Math.max(0, input.weight)) / 100;
  let stableMin: number;
  let stableMax: number;
  let totalMin: number;
  let totalMax: number;
  let canaryMax: number;
  if (input.hpa) {
    const { minReplicas, maxReplicas } = input.hpa;
    const fixed = clamp(input.stableCurrent ?? base, Math.max(1, minReplicas), Math.max(1, maxReplicas));
    stableMin = stableMax = fixed;
    canaryMax = Math.max(1, maxReplicas);
    totalMin = fixed + 1;
    totalMax = fixed + canaryMax;
  } else {
    const surge = Math.max(0, Math.floor(input.surge ?? defaultSurge(base)));
    stableMin = 1;
    stableMax = base;
    canaryMax = base;
    totalMin = Math.max(2, base);
    totalMax = Math.max(totalMin, base + surge);
  }
  let best: { s: number; c: number; err: number } | undefined;
  for (let t = totalMin; t <= totalMax; t++) {
    for (let c = 1; c <= Math.min(canaryMax, t - 1); c++) {
      const s = t - c;
      if (s < stableMin || s > stableMax) continue;
      const err = Math.abs(c / t - w);
      if (!best || better({ s, c, err }, best, base)) best = { s, c, err };
    }
  }
  if (!best) {
    // Unreachable with the bounds above (t >= 2 always admits s = t - 1, c = 1), kept for safety.
    best = { s: stableMin, c: 1, err: 0 };
  }
  const actual = Math.round((best.c / (best.s + best.c)) * 1000) / 10;
  const plan: ReplicaPlan = { stable: best.s, canary: best.c, actual };
  if (Math.abs(actual - input.weight) >= 0.05) {
    plan.note =
      input.weight >= 100
        ? 'stable keeps its minimum until promotion'
        : input.hpa
          ? `stable is owned by HPA ${input.hpa.name} (${input.hpa.minReplicas}..${input.hpa.maxReplicas})`
          : `nearest ratio with ${base}..${totalMax} pods`;
  }
  return plan;
}

const EPS = 1e-9;

function better(
  a: { s: number; c: number; err: number },
  b: { s: number; c: number; err: number },
  base: number,
): boolean {
  if (a.err < b.err - EPS) return true;
  if (a.err > b.err + EPS) return false;
  const da = Math.abs(a.s + a.c - base);
  const db = Math.abs(b.s + b.c - base);
  if (da !== db) return da < db;
  return a.s > b.s;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

/**
 * What Azure/k8s-deploy's pod canary gives: stable unchanged, plus canary and baseline workloads of
 * round(base * p) pods each, all behind the Service. `actual` is the canary's share of the pods.
 */
export function azurePodCanary(base: number, weight: number): ReplicaPlan {
  const canary = Math.round((base * weight) / 100);
  const total = base + 2 * canary;
  return { stable: base, canary, actual: Math.round((canary / total) * 1000) / 10 };
}
