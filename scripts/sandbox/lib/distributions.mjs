// Seeded random samples for the sandbox exporter's generated series and the judge's accuracy bench:
//   {kind: 'normal', mean, sd}
//   {kind: 'lognormal', median, sigma}            (log of the value is normal(ln median, sigma))
//   {kind: 'spikes', base: <distribution>, probability, factor}  (each draw is multiplied by
//                                                  factor with the given probability)
// Pure apart from the generator's own state.

/** mulberry32: a small, fast, seeded PRNG giving numbers in [0, 1). */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller). */
export function standardNormal(rand) {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function finiteNumber(v, what, ok = () => true) {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
    throw new Error(`bad ${what} ${JSON.stringify(v)}`);
  return v;
}

const EXPECTED =
  "a distribution {kind: 'normal', mean, sd} | {kind: 'lognormal', median, sigma} | {kind: 'spikes', base, probability, factor}";

/** Checks a distribution and returns a clean copy. Throws an Error naming the bad field. */
export function checkDistribution(d, depth = 0) {
  if (!d || typeof d !== 'object') throw new Error(`want ${EXPECTED}`);
  const nonNegative = (n) => n >= 0;
  if (d.kind === 'normal')
    return { kind: 'normal', mean: finiteNumber(d.mean, 'mean'), sd: finiteNumber(d.sd, 'sd', nonNegative) };
  if (d.kind === 'lognormal')
    return {
      kind: 'lognormal',
      median: finiteNumber(d.median, 'median', (n) => n > 0),
      sigma: finiteNumber(d.sigma, 'sigma', nonNegative),
    };
  if (d.kind === 'spikes' && depth === 0)
    return {
      kind: 'spikes',
      base: checkDistribution(d.base, 1),
      probability: finiteNumber(d.probability, 'probability', (n) => n >= 0 && n <= 1),
      factor: finiteNumber(d.factor, 'factor'),
    };
  throw new Error(`bad kind ${JSON.stringify(d.kind)}; want ${EXPECTED}`);
}

/** One draw from a checked distribution. */
export function draw(d, rand) {
  if (d.kind === 'normal') return d.mean + d.sd * standardNormal(rand);
  if (d.kind === 'lognormal') return d.median * Math.exp(d.sigma * standardNormal(rand));
  const v = draw(d.base, rand);
  return rand() < d.probability ? v * d.factor : v;
}

/** A distribution scaled by `k` (a canary k times slower than the baseline, say). */
export function scaled(d, k) {
  if (d.kind === 'normal') return { ...d, mean: d.mean * k, sd: d.sd * k };
  if (d.kind === 'lognormal') return { ...d, median: d.median * k };
  return { ...d, base: scaled(d.base, k) };
}
