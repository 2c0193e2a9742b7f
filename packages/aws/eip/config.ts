import { input, readInputs, type InputSource, type Problems } from '@hac/toolkit';
import { parseChecks, type Check } from '@hac/probe';
import {
  id as idInput,
  region as regionInput,
  endpoint as endpointInput,
  connectTimeout,
  requestTimeout,
  tags as tagsInput,
} from '../inputs.js';
import { isId } from '../ids.js';
import { Inputs, OLD_INSTANCE_ACTIONS, type OldInstanceAction } from './names.js';
import {
  POST_SWAP_PLACEHOLDERS,
  PRE_SWAP_PLACEHOLDERS,
  SAMPLE_VARS,
  fillTemplate,
  templateProblem,
  type Placeholder,
  type TemplateVars,
} from './template.js';

/** Where the new instance comes from. */
export type Target =
  | { mode: 'instance'; instanceId: string }
  | {
      mode: 'launch';
      template: { id?: string; name?: string; version: string };
      amiId?: string;
      tags: Record<string, string>;
    };

/** Which Elastic IP to move. */
export type AddressRef = { allocationId: string } | { publicIp: string };

/** A health gate: checks whose text is a template, plus how long to wait for them. */
export interface GateConfig {
  /** `url`: one URL template; `checks`: a YAML/JSON list of checks (the whole text is a template). */
  kind: 'url' | 'checks';
  template: string;
  waitMs: number;
  intervalMs: number;
  consecutive: number;
}

export interface SwapConfig {
  region: string;
  endpoint: string;
  maxAttempts: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  target: Target;
  address: AddressRef;
  /** Use this network interface (by device index) instead of the instance; undefined = automatic. */
  networkInterfaceIndex?: number;
  privateIp?: string;
  allowReassociation: boolean;
  preGate?: GateConfig;
  postGate?: GateConfig;
  waitTimeoutMs: number;
  graceMs: number;
  oldInstance: OldInstanceAction;
  lockTtlMs: number;
  lockTimeoutMs: number;
  dryRun: boolean;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export const IPV4_EXPECTED = 'an IPv4 address such as 203.0.113.10';
const LT_NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/;
const LT_EXPECTED =
  'a launch template id such as lt-0123456789abcdef0, or a name of 3 to 128 letters, digits and ( ) . - / _';
const LT_VERSION = /^(\$Latest|\$Default|[1-9]\d{0,17})$/;

export function isIpv4(v: string): boolean {
  return IPV4.test(v);
}

const ipv4 = () => input.string({ pattern: IPV4, expected: IPV4_EXPECTED });

/** Every input of swap-eip with its form and default. */
export const SWAP_INPUTS = {
  [Inputs.Region]: regionInput(),
  [Inputs.Endpoint]: endpointInput(),
  [Inputs.MaxAttempts]: input.integer({ min: 1, max: 20, default: 6 }),
  [Inputs.ConnectTimeout]: connectTimeout(),
  [Inputs.RequestTimeout]: requestTimeout(),
  [Inputs.InstanceId]: idInput('instance'),
  [Inputs.LaunchTemplate]: input.string({ pattern: new RegExp(`${LT_NAME.source}`), expected: LT_EXPECTED }),
  [Inputs.LaunchTemplateVersion]: input.string({
    pattern: LT_VERSION,
    expected: '$Latest, $Default or a version number such as 3',
  }),
  [Inputs.AmiId]: idInput('ami'),
  [Inputs.Tags]: tagsInput(),
  [Inputs.AllocationId]: idInput('allocation'),
  [Inputs.PublicIp]: ipv4(),
  [Inputs.NetworkInterfaceIndex]: input.optional(input.integer({ min: 0, max: 31 })),
  [Inputs.PrivateIp]: ipv4(),
  [Inputs.AllowReassociation]: input.boolean(true),
  [Inputs.HealthUrl]: input.string(),
  [Inputs.HealthChecks]: input.string({ trim: false }),
  [Inputs.HealthWait]: input.duration({ default: '5m', max: '1h' }),
  [Inputs.HealthInterval]: input.duration({ default: '5s', min: '100ms', max: '5m' }),
  [Inputs.HealthConsecutive]: input.integer({ min: 1, max: 100, default: 1 }),
  [Inputs.PostSwapUrl]: input.string(),
  [Inputs.PostSwapChecks]: input.string({ trim: false }),
  [Inputs.PostSwapWait]: input.duration({ default: '2m', max: '1h' }),
  [Inputs.WaitTimeout]: input.duration({ default: '10m', min: '10s', max: '2h' }),
  [Inputs.Grace]: input.duration({ default: '30s', max: '6h' }),
  [Inputs.OldInstance]: input.oneOf(OLD_INSTANCE_ACTIONS, 'stop'),
  [Inputs.LockTtl]: input.duration({ default: '30m', min: '1m', max: '24h' }),
  [Inputs.LockTimeout]: input.duration({ default: '5m', max: '6h' }),
  [Inputs.DryRun]: input.boolean(false),
};

type Raw = (name: string) => string;

const GATE_EXPECTED = (allowed: readonly Placeholder[], what: string) =>
  `${what} whose placeholders are ${allowed.map((p) => `{{${p}}}`).join(', ')}`;

/** Checks a gate template by filling it with sample values and parsing the result like the real thing. */
export function gateProblem(
  kind: 'url' | 'checks',
  template: string,
  allowed: readonly Placeholder[],
): string | undefined {
  const tp = templateProblem(template, allowed);
  if (tp) return tp;
  try {
    gateChecks(kind, template, SAMPLE_VARS);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

/** The checks of a gate for these instance values (throws when a value is missing or a check is invalid). */
export function gateChecks(kind: 'url' | 'checks', template: string, vars: TemplateVars): Check[] {
  const text = fillTemplate(template, vars);
  if (kind === 'url') return parseChecks(JSON.stringify([{ url: text }]));
  return parseChecks(text);
}

function gateInput(
  problems: Problems,
  raw: Raw,
  urlName: string,
  checksName: string,
  url: string,
  checks: string,
  allowed: readonly Placeholder[],
): { kind: 'url' | 'checks'; template: string } | undefined {
  if (url && checks.trim()) {
    problems.add(checksName, checks.trim(), `empty when "${urlName}" is set (give one of them)`);
    return undefined;
  }
  if (url) {
    const p = gateProblem('url', url, allowed);
    if (p)
      problems.add(
        urlName,
        raw(urlName).trim(),
        `${GATE_EXPECTED(allowed, 'an http(s) URL template')} (${p})`,
      );
    return p ? undefined : { kind: 'url', template: url };
  }
  if (checks.trim()) {
    const p = gateProblem('checks', checks, allowed);
    if (p)
      problems.add(
        checksName,
        checks.trim(),
        `${GATE_EXPECTED(allowed, 'a YAML/JSON list of checks')} (${p})`,
      );
    return p ? undefined : { kind: 'checks', template: checks };
  }
  return undefined;
}

/**
 * Reads and checks every input; all problems are reported together in one InputError before
 * anything talks to AWS.
 */
export function readSwapConfig(source: InputSource): SwapConfig {
  let config: SwapConfig | undefined;
  readInputs(SWAP_INPUTS, source, (v, problems, { raw, failed }) => {
    const instanceId = v[Inputs.InstanceId];
    const lt = v[Inputs.LaunchTemplate];
    if (!failed.has(Inputs.InstanceId) && !failed.has(Inputs.LaunchTemplate)) {
      if (instanceId && lt)
        problems.add(
          Inputs.LaunchTemplate,
          lt,
          `empty when "${Inputs.InstanceId}" is set (give either an instance or a launch template)`,
        );
      if (!instanceId && !lt)
        problems.add(
          Inputs.InstanceId,
          '',
          `an instance id such as i-0123456789abcdef0, or a "${Inputs.LaunchTemplate}" to launch one from`,
        );
    }
    if (instanceId) {
      for (const name of [Inputs.AmiId, Inputs.LaunchTemplateVersion, Inputs.Tags] as const) {
        if (raw(name).trim() !== '' && !failed.has(name))
          problems.add(
            name,
            raw(name).trim(),
            `empty unless "${Inputs.LaunchTemplate}" is set (it applies to launched instances only)`,
          );
      }
    }
    const alloc = v[Inputs.AllocationId];
    const pub = v[Inputs.PublicIp];
    if (!failed.has(Inputs.AllocationId) && !failed.has(Inputs.PublicIp)) {
      if (alloc && pub)
        problems.add(
          Inputs.PublicIp,
          pub,
          `empty when "${Inputs.AllocationId}" is set (name the Elastic IP one way)`,
        );
      if (!alloc && !pub)
        problems.add(
          Inputs.AllocationId,
          '',
          `an Elastic IP allocation id such as eipalloc-0123456789abcdef0, or the Elastic IP in "${Inputs.PublicIp}"`,
        );
    }
    const pre = gateInput(
      problems,
      raw,
      Inputs.HealthUrl,
      Inputs.HealthChecks,
      v[Inputs.HealthUrl],
      v[Inputs.HealthChecks],
      PRE_SWAP_PLACEHOLDERS,
    );
    const post = gateInput(
      problems,
      raw,
      Inputs.PostSwapUrl,
      Inputs.PostSwapChecks,
      v[Inputs.PostSwapUrl],
      v[Inputs.PostSwapChecks],
      POST_SWAP_PLACEHOLDERS,
    );
    if (
      v[Inputs.HealthInterval] > v[Inputs.HealthWait] &&
      v[Inputs.HealthWait] > 0 &&
      !failed.has(Inputs.HealthInterval)
    ) {
      problems.add(
        Inputs.HealthInterval,
        raw(Inputs.HealthInterval).trim(),
        `a duration no longer than "${Inputs.HealthWait}"`,
      );
    }
    const target: Target = instanceId
      ? { mode: 'instance', instanceId }
      : {
          mode: 'launch',
          template: isId('launchTemplate', lt)
            ? { id: lt, version: v[Inputs.LaunchTemplateVersion] || '$Default' }
            : { name: lt, version: v[Inputs.LaunchTemplateVersion] || '$Default' },
          ...(v[Inputs.AmiId] ? { amiId: v[Inputs.AmiId] } : {}),
          tags: v[Inputs.Tags],
        };
    const gate = (g: typeof pre, waitMs: number): GateConfig | undefined =>
      g && { ...g, waitMs, intervalMs: v[Inputs.HealthInterval], consecutive: v[Inputs.HealthConsecutive] };
    config = {
      region: v[Inputs.Region],
      endpoint: v[Inputs.Endpoint],
      maxAttempts: v[Inputs.MaxAttempts],
      connectTimeoutMs: v[Inputs.ConnectTimeout],
      requestTimeoutMs: v[Inputs.RequestTimeout],
      target,
      address: alloc ? { allocationId: alloc } : { publicIp: pub },
      networkInterfaceIndex: v[Inputs.NetworkInterfaceIndex],
      ...(v[Inputs.PrivateIp] ? { privateIp: v[Inputs.PrivateIp] } : {}),
      allowReassociation: v[Inputs.AllowReassociation],
      preGate: gate(pre, v[Inputs.HealthWait]),
      postGate: gate(post, v[Inputs.PostSwapWait]),
      waitTimeoutMs: v[Inputs.WaitTimeout],
      graceMs: v[Inputs.Grace],
      oldInstance: v[Inputs.OldInstance],
      lockTtlMs: v[Inputs.LockTtl],
      lockTimeoutMs: v[Inputs.LockTimeout],
      dryRun: v[Inputs.DryRun],
    };
  });
  return config as unknown as SwapConfig;
}
