// What swap-eip's main and post steps take: the runner's defaults, or test seams. Its own file so
// that action.ts (which loads run.ts lazily) and run.ts both depend on it, not on each other.
import type { InputSource, StateStore } from '@hac/toolkit';
import type { SwapDeps } from './swap.js';

export interface SwapActionOptions {
  source?: InputSource;
  env?: NodeJS.ProcessEnv;
  state?: StateStore;
  signal?: AbortSignal;
  setOutput?: (name: string, value: string) => void;
  /** Writes the job summary (default: append to $GITHUB_STEP_SUMMARY). */
  writeSummary?: (markdown: string) => Promise<void>;
  log?: (line: string) => void;
  warn?: (line: string) => void;
  /** Explicit credentials (tests); by default the SDK's default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Test seams passed to the engine. */
  deps?: Partial<
    Pick<
      SwapDeps,
      | 'gate'
      | 'waiterDelays'
      | 'progress'
      | 'lock'
      | 'clock'
      | 'sleep'
      | 'nonce'
      | 'cleanupTimeoutMs'
      | 'runId'
    >
  >;
}
