import { throwIfAborted } from '@hac/toolkit';
import type { Auth, Check, DistributionResult, DistributionSpec } from './types.js';
import { send, type Transport } from './http.js';
import { parseStatusSpec } from './status.js';
import { pct } from './load.js';

export interface DistributionDeps {
  transport: Transport;
  auth: Auth | undefined;
  signal?: AbortSignal;
  clean: (text: string) => string;
  deps: { log: (line: string) => void };
}

/** The verdict for `matched` of `ok` answered samples against the bounds. */
export function distributionVerdict(
  spec: DistributionSpec,
  url: string,
  matched: number,
  errors: number,
): DistributionResult {
  const answered = spec.samples - errors;
  const fraction = answered > 0 ? matched / answered : 0;
  const r: DistributionResult = {
    passed: true,
    url,
    samples: spec.samples,
    matched,
    errors,
    fraction: Math.round(fraction * 10_000) / 10_000,
    min: spec.min,
    max: spec.max,
  };
  const what = spec.match !== undefined ? JSON.stringify(spec.match) : `/${spec.regex}/`;
  const maxErr = spec.maxErrorRate ?? 0;
  if (answered === 0) r.reason = `none of ${spec.samples} samples got an expected response`;
  else if (errors / spec.samples > maxErr)
    r.reason = `${errors} of ${spec.samples} samples failed (${pct(errors / spec.samples)}, limit ${pct(maxErr)})`;
  else if (fraction < spec.min || fraction > spec.max)
    r.reason = `expected ${pct(spec.min)}–${pct(spec.max)} of responses to match ${what}, got ${pct(fraction)} (${matched} of ${answered})`;
  r.passed = r.reason === undefined;
  return r;
}

/** Sends `samples` requests and counts the responses whose body matches. */
export async function runDistribution(
  spec: DistributionSpec,
  check: Check,
  ctx: DistributionDeps,
): Promise<DistributionResult> {
  const expect = parseStatusSpec(check.expectStatus ?? '2xx');
  const re = spec.regex !== undefined ? new RegExp(spec.regex) : undefined;
  const matches = (body: string) => (re ? re.test(body) : body.includes(spec.match as string));
  let next = 0;
  let matched = 0;
  let errors = 0;
  const worker = async () => {
    while (next < spec.samples) {
      next++;
      throwIfAborted(ctx.signal);
      const o = await send(ctx.transport, check, ctx.auth, { signal: ctx.signal, readBody: true });
      if (!o.ok || !expect.test(o.status)) errors++;
      else if (matches(o.body ?? '')) matched++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency ?? 1, spec.samples) }, worker));
  const r = distributionVerdict(spec, check.url, matched, errors);
  if (r.reason) r.reason = ctx.clean(r.reason);
  ctx.deps.log(
    `distribution: ${matched} of ${spec.samples - errors} responses matched (${pct(r.fraction)}), ${errors} errors`,
  );
  return r;
}
