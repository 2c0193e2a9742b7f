// swap-eip's cross-input rules: each a small named function that adds a problem when the inputs
// break it. They run after every input parsed on its own, and all their problems are reported
// together in one InputError, before anything talks to AWS.
import type { Problems, Rule, RuleContext } from '@hac/toolkit';
import { gateProblem, type SwapValues } from './input-spec.js';
import { Inputs } from './names.js';
import { POST_SWAP_PLACEHOLDERS, PRE_SWAP_PLACEHOLDERS, type Placeholder } from './template.js';

export type SwapRule = Rule<SwapValues>;

/** Neither input failed on its own (a rule about both would only repeat that problem). */
const bothParsed = (ctx: RuleContext, a: string, b: string) => !ctx.failed.has(a) && !ctx.failed.has(b);

/** The inputs whose parsed value is text. */
type TextInput = { [K in keyof SwapValues]: SwapValues[K] extends string ? K : never }[keyof SwapValues];

/** Exactly one of two inputs: both is reported on the second, neither on the first. */
function exactlyOne(a: TextInput, b: TextInput, both: string, neither: string): SwapRule {
  return (v, problems, ctx) => {
    if (!bothParsed(ctx, a, b)) return;
    if (v[a] && v[b]) problems.add(b, v[b], both);
    if (!v[a] && !v[b]) problems.add(a, '', neither);
  };
}

/** Exactly one of "instance-id" and "launch-template": where the new instance comes from. */
export const instanceOrTemplate: SwapRule = exactlyOne(
  Inputs.InstanceId,
  Inputs.LaunchTemplate,
  `empty when "${Inputs.InstanceId}" is set (give either an instance or a launch template)`,
  `an instance id such as i-0123456789abcdef0, or a "${Inputs.LaunchTemplate}" to launch one from`,
);

/** "ami-id", "launch-template-version" and "tags" apply to launched instances only. */
export const launchOnlyInputs: SwapRule = (v, problems, { raw, failed }) => {
  if (!v[Inputs.InstanceId]) return;
  for (const name of [Inputs.AmiId, Inputs.LaunchTemplateVersion, Inputs.Tags] as const) {
    if (raw(name).trim() !== '' && !failed.has(name))
      problems.add(
        name,
        raw(name).trim(),
        `empty unless "${Inputs.LaunchTemplate}" is set (it applies to launched instances only)`,
      );
  }
};

/** Exactly one of "allocation-id" and "public-ip": which Elastic IP moves. */
export const allocationOrPublicIp: SwapRule = exactlyOne(
  Inputs.AllocationId,
  Inputs.PublicIp,
  `empty when "${Inputs.AllocationId}" is set (name the Elastic IP one way)`,
  `an Elastic IP allocation id such as eipalloc-0123456789abcdef0, or the Elastic IP in "${Inputs.PublicIp}"`,
);

const gateExpected = (allowed: readonly Placeholder[], what: string) =>
  `${what} whose placeholders are ${allowed.map((p) => `{{${p}}}`).join(', ')}`;

type GateInputs =
  | [url: typeof Inputs.HealthUrl, checks: typeof Inputs.HealthChecks]
  | [url: typeof Inputs.PostSwapUrl, checks: typeof Inputs.PostSwapChecks];

/** A gate is a URL or a list of checks, not both, and its template fills and parses. */
function gateRule([urlName, checksName]: GateInputs, allowed: readonly Placeholder[]): SwapRule {
  return (v, problems: Problems, { raw }) => {
    const url = v[urlName];
    const checks = v[checksName];
    if (url && checks.trim()) {
      problems.add(checksName, checks.trim(), `empty when "${urlName}" is set (give one of them)`);
    } else if (url) {
      const p = gateProblem('url', url, allowed);
      if (p)
        problems.add(
          urlName,
          raw(urlName).trim(),
          `${gateExpected(allowed, 'an http(s) URL template')} (${p})`,
        );
    } else if (checks.trim()) {
      const p = gateProblem('checks', checks, allowed);
      if (p)
        problems.add(
          checksName,
          checks.trim(),
          `${gateExpected(allowed, 'a YAML/JSON list of checks')} (${p})`,
        );
    }
  };
}

/** "health-url" or "health-checks": the pre-swap gate on the new instance. */
export const preGateInputs: SwapRule = gateRule(
  [Inputs.HealthUrl, Inputs.HealthChecks],
  PRE_SWAP_PLACEHOLDERS,
);

/** "post-swap-url" or "post-swap-checks": the post-swap gate through the Elastic IP. */
export const postGateInputs: SwapRule = gateRule(
  [Inputs.PostSwapUrl, Inputs.PostSwapChecks],
  POST_SWAP_PLACEHOLDERS,
);

/** "health-interval" no longer than a non-zero "health-wait". */
export const intervalWithinWait: SwapRule = (v, problems, { raw, failed }) => {
  const interval = v[Inputs.HealthInterval];
  const wait = v[Inputs.HealthWait];
  if (interval > wait && wait > 0 && !failed.has(Inputs.HealthInterval))
    problems.add(
      Inputs.HealthInterval,
      raw(Inputs.HealthInterval).trim(),
      `a duration no longer than "${Inputs.HealthWait}"`,
    );
};

/** Every rule, in the order their problems are listed. */
export const SWAP_RULES: readonly SwapRule[] = [
  instanceOrTemplate,
  launchOnlyInputs,
  allocationOrPublicIp,
  preGateInputs,
  postGateInputs,
  intervalWithinWait,
];
