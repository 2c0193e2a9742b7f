// What every phase of a native build shares: the spec, the deps, the clients, the clock and log,
// and the record of what was created (which the clean-up phase removes).
import type { EC2Client } from '@aws-sdk/client-ec2';
import { systemClock, type Clock } from '@hac/toolkit';
import { withAbort } from '../abort.js';
import type { ProgressOptions } from '../progress.js';
import type { BuildDeps, NativeBuildSpec } from './types.js';

/** What the build created so far: the clean-up phase removes it. */
export interface Created {
  instanceId?: string;
  groupId?: string;
  /** region -> image id, as soon as CreateImage / CopyImage returned it. */
  images: Record<string, string>;
  /** Whether a call that may create something was sent (nothing to clean up before that). */
  written: boolean;
}

export interface BuildContext {
  readonly spec: NativeBuildSpec;
  readonly deps: BuildDeps;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** Where long waits report progress. */
  readonly progress: ProgressOptions;
  readonly started: number;
  /** A region's client; every call carries the cancellation signal (clean-up has its own deadline). */
  live(region: string): EC2Client;
  /** The build region's client (live). */
  readonly ec2: EC2Client;
  readonly created: Created;
  /** What clean-up could not remove, with the command that does. */
  readonly cleanupErrors: string[];
}

export function buildContext(spec: NativeBuildSpec, deps: BuildDeps): BuildContext {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? (() => {});
  const live = (region: string) => withAbort(deps.ec2(region), deps.abortSignal);
  return {
    spec,
    deps,
    clock,
    log,
    progress: { log, clock, ...deps.progress },
    started: clock(),
    live,
    ec2: live(spec.region),
    created: { images: {}, written: false },
    cleanupErrors: [],
  };
}
