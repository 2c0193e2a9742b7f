/** The inputs of swap-eip, by name (the only place these strings are spelled). */
export const Inputs = {
  Region: 'region',
  Endpoint: 'endpoint',
  MaxAttempts: 'max-attempts',
  ConnectTimeout: 'connect-timeout',
  RequestTimeout: 'request-timeout',
  InstanceId: 'instance-id',
  LaunchTemplate: 'launch-template',
  LaunchTemplateVersion: 'launch-template-version',
  AmiId: 'ami-id',
  Tags: 'tags',
  AllocationId: 'allocation-id',
  PublicIp: 'public-ip',
  NetworkInterfaceIndex: 'network-interface-index',
  PrivateIp: 'private-ip',
  AllowReassociation: 'allow-reassociation',
  HealthUrl: 'health-url',
  HealthChecks: 'health-checks',
  HealthWait: 'health-wait',
  HealthInterval: 'health-interval',
  HealthConsecutive: 'health-consecutive',
  PostSwapUrl: 'post-swap-url',
  PostSwapChecks: 'post-swap-checks',
  PostSwapWait: 'post-swap-wait',
  WaitTimeout: 'wait-timeout',
  Grace: 'grace',
  OldInstance: 'old-instance',
  LockTtl: 'lock-ttl',
  LockTimeout: 'lock-timeout',
  DryRun: 'dry-run',
} as const;

export const Outputs = {
  PreviousInstanceId: 'previous-instance-id',
  NewInstanceId: 'new-instance-id',
  AssociationId: 'association-id',
  PublicIp: 'public-ip',
  AllocationId: 'allocation-id',
  Result: 'result',
} as const;

/** The post step's state key: the whole swap state is one JSON value. */
export const State = { Swap: 'swap-eip' } as const;

/**
 * Why post has nothing to undo, or undefined when it must act (pure; no AWS SDK is loaded for it):
 * no state, a finished main, or a main that stopped before its first write (the lock tag, whose
 * value is saved before CreateTags is sent).
 */
export function nothingToUndo(state: { phase: string; lock?: string } | undefined): string | undefined {
  if (!state) return 'main wrote nothing';
  if (state.phase === 'finished') return 'main finished';
  if (state.phase === 'started' && !state.lock) return 'main stopped before its first write';
  return undefined;
}

/** The tag on the Elastic IP that holds the swap lock: `<owner> <expiry ISO timestamp>`. */
export const LOCK_TAG = 'hac:lock';
/** hac:purpose of an instance launched by swap-eip. */
export const PURPOSE_INSTANCE = 'swap-eip/instance';

export const OLD_INSTANCE_ACTIONS = ['stop', 'terminate', 'keep'] as const;
export type OldInstanceAction = (typeof OLD_INSTANCE_ACTIONS)[number];
