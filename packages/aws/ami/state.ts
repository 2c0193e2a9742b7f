// What build-ami's main saves for its post step. No AWS SDK here: post reads it before loading one.
import type { StateStore } from '@hac/toolkit';

export const State = {
  runId: 'run-id',
  regions: 'regions',
  done: 'done',
  settings: 'aws',
  /** Set before the first call that may create something. */
  wrote: 'wrote',
} as const;

/** The client settings main used, for post's own clients. */
export interface SavedSettings {
  endpoint: string;
  maxAttempts: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** Why post has nothing to do, or undefined when it must sweep (pure: reads the saved state only). */
export function nothingToSweep(state: StateStore): string | undefined {
  const runId = state.get<string>(State.runId);
  const regions = state.get<string[]>(State.regions) ?? [];
  if (!runId || regions.length === 0) return 'main did not start a build';
  if (state.get<boolean>(State.wrote) !== true) return `main created nothing (run ${runId})`;
  return undefined;
}
