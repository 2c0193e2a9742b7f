// swap-eip's inputs, each with its form and default (cross-input rules are in rules.ts), and the
// gate templates' check: filled with sample values and parsed like the real thing.
import { input, type Values } from '@hac/toolkit';
import { parseChecks, type Check } from '@hac/probe';
import {
  id as idInput,
  region as regionInput,
  endpoint as endpointInput,
  connectTimeout,
  requestTimeout,
  tags as tagsInput,
} from '../inputs.js';
import { Inputs, OLD_INSTANCE_ACTIONS } from './names.js';
import {
  SAMPLE_VARS,
  fillTemplate,
  templateProblem,
  type Placeholder,
  type TemplateVars,
} from './template.js';

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

/** The parsed inputs, before the cross-input rules and before they become a SwapConfig. */
export type SwapValues = Values<typeof SWAP_INPUTS>;

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
