// swap-eip's typed configuration: the inputs read and checked (input-spec.ts, rules.ts), then
// turned into the value the engine runs on. Nothing here talks to AWS.
import { readInputs, type InputSource } from '@hac/toolkit';
import { isId } from '../ids.js';
import { SWAP_INPUTS, type SwapValues } from './input-spec.js';
import { Inputs, type OldInstanceAction } from './names.js';
import { SWAP_RULES } from './rules.js';

export {
  SWAP_INPUTS,
  IPV4_EXPECTED,
  isIpv4,
  gateChecks,
  gateProblem,
  type SwapValues,
} from './input-spec.js';

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

/** The gate of a url/checks input pair, once the rules passed (undefined: no gate). */
function gateOf(url: string, checks: string, waitMs: number, v: SwapValues): GateConfig | undefined {
  const g = url
    ? { kind: 'url' as const, template: url }
    : checks.trim()
      ? { kind: 'checks' as const, template: checks }
      : undefined;
  return (
    g && { ...g, waitMs, intervalMs: v[Inputs.HealthInterval], consecutive: v[Inputs.HealthConsecutive] }
  );
}

function targetOf(v: SwapValues): Target {
  const instanceId = v[Inputs.InstanceId];
  if (instanceId) return { mode: 'instance', instanceId };
  const lt = v[Inputs.LaunchTemplate];
  const version = v[Inputs.LaunchTemplateVersion] || '$Default';
  return {
    mode: 'launch',
    template: isId('launchTemplate', lt) ? { id: lt, version } : { name: lt, version },
    ...(v[Inputs.AmiId] ? { amiId: v[Inputs.AmiId] } : {}),
    tags: v[Inputs.Tags],
  };
}

/** The configuration of checked inputs (pure). */
export function toSwapConfig(v: SwapValues): SwapConfig {
  const alloc = v[Inputs.AllocationId];
  return {
    region: v[Inputs.Region],
    endpoint: v[Inputs.Endpoint],
    maxAttempts: v[Inputs.MaxAttempts],
    connectTimeoutMs: v[Inputs.ConnectTimeout],
    requestTimeoutMs: v[Inputs.RequestTimeout],
    target: targetOf(v),
    address: alloc ? { allocationId: alloc } : { publicIp: v[Inputs.PublicIp] },
    networkInterfaceIndex: v[Inputs.NetworkInterfaceIndex],
    ...(v[Inputs.PrivateIp] ? { privateIp: v[Inputs.PrivateIp] } : {}),
    allowReassociation: v[Inputs.AllowReassociation],
    preGate: gateOf(v[Inputs.HealthUrl], v[Inputs.HealthChecks], v[Inputs.HealthWait], v),
    postGate: gateOf(v[Inputs.PostSwapUrl], v[Inputs.PostSwapChecks], v[Inputs.PostSwapWait], v),
    waitTimeoutMs: v[Inputs.WaitTimeout],
    graceMs: v[Inputs.Grace],
    oldInstance: v[Inputs.OldInstance],
    lockTtlMs: v[Inputs.LockTtl],
    lockTimeoutMs: v[Inputs.LockTimeout],
    dryRun: v[Inputs.DryRun],
  };
}

/**
 * Reads and checks every input; all problems are reported together in one InputError before
 * anything talks to AWS.
 */
export function readSwapConfig(source: InputSource): SwapConfig {
  return toSwapConfig(readInputs(SWAP_INPUTS, source, SWAP_RULES));
}
