// What every phase of a build shares: the request, the deps, the chosen engine, the temporary
// directory, the builder's environment and the result being filled in; and how a failed build or
// push becomes one ActionError with a hint.
import fs from 'node:fs';
import {
  ActionError,
  sleep as realSleep,
  type RetryOptions,
  type Sleep,
  type StateStore,
} from '@hac/toolkit';
import type { Exec } from './exec.js';
import type { BuildRequest, Engine } from './request.js';
import { registryOf } from './resolve.js';
import { describeBuildFailure, readBuildFailure } from './build-errors.js';
import { classify, isTransient, pushHint, type FailureKind } from './failures.js';
import type { EcrTokenProvider } from './login.js';
import type { preflightRegistries } from './registry-preflight.js';

/** What main saves for its post step. */
export const State = {
  engine: 'engine',
  logins: 'logins',
  logout: 'logout',
} as const;

export interface Logger {
  info(msg: string): void;
  warning(msg: string): void;
}

export interface BuildDeps {
  exec: Exec;
  env: NodeJS.ProcessEnv;
  log: Logger;
  state: StateStore;
  ecrToken: EcrTokenProvider;
  mask: (secret: string) => void;
  sleep?: Sleep;
  random?: () => number;
  signal?: AbortSignal;
  clock?: () => number;
  /** Registries marked insecure in registries.conf (default: read from the files buildah reads). */
  confInsecure?: string[];
  /** Where temporary files go (default RUNNER_TEMP or the OS temp dir). */
  tempRoot?: string;
  /** Checks the registries before building (default: GET /v2/ of each, with deadlines). */
  preflight?: typeof preflightRegistries;
}

export interface PushRecord {
  ref: string;
  digest: string;
  attempts: number;
}

export interface BuildResult {
  engine: Engine;
  engineReason: string;
  refs: string[];
  pushed: PushRecord[];
  digest?: string;
  imageId?: string;
  /** repo@sha256:... of the first repository: what a deployment should use. */
  image?: string;
  images: string[];
  labels: Record<string, string>;
  version: string;
  tagSource: string;
  cachedSteps: number;
  buildMs: number;
  pushMs: number;
  retries: { ref: string; attempt: number; kind: FailureKind; delayMs: number }[];
  warnings: string[];
  /** The builder's own metadata (buildx --metadata-file), keyed as build-push-action's `metadata`. */
  builderMetadata: Record<string, unknown>;
}

/** One build: what the phases (preflight, build, push, clean up) read and fill in. */
export interface BuildContext {
  readonly req: BuildRequest;
  readonly deps: BuildDeps;
  readonly engine: Engine;
  /** Whether to verify TLS when talking to a registry host. */
  readonly tlsFor: (registry: string) => boolean;
  /** The temporary directory for iidfile, metadata and digest files; removed at the end. */
  readonly dir: string;
  /** The builder's environment: the step's, plus the secret values (never argv). */
  readonly env: NodeJS.ProcessEnv;
  readonly clock: () => number;
  readonly result: BuildResult;
}

export function readIfExists(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

export class PushFailure extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly output?: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

/** A failed build step is never a push failure (and never retried); otherwise read the registry error. */
export const failureKind = (output: string, push: boolean): FailureKind =>
  push && readBuildFailure(output).kind === 'other' ? classify(output) : 'other';

/** Retries of a push of `ref`: transient failures only, each recorded in the result and the log. */
export function retryOptions(ctx: BuildContext, ref: string): RetryOptions {
  const { req, deps } = ctx;
  return {
    attempts: req.pushRetries + 1,
    baseMs: req.retryDelayMs,
    maxDelayMs: Math.max(req.retryDelayMs * 16, 30_000),
    retryable: (err: unknown) => err instanceof PushFailure && isTransient(err.kind),
    onRetry: ({ attempt, delayMs, error }) => {
      const kind = (error as PushFailure).kind;
      ctx.result.retries.push({ ref, attempt, kind, delayMs });
      deps.log.warning(
        `Push of ${ref} failed (${kind}); attempt ${attempt + 1} of ${req.pushRetries + 1} in ${delayMs} ms`,
      );
    },
    sleep: deps.sleep ?? realSleep,
    clock: ctx.clock,
    random: deps.random,
    signal: deps.signal,
  };
}

/** The registry host of a full reference. */
export const registryOfRef = (ref: string): string => registryOf(ref.slice(0, ref.lastIndexOf(':')));

/** A failed build as an ActionError: a registry failure with its hint, else what the builder said. */
export function buildFailure(err: unknown, req: BuildRequest, engine: Engine): unknown {
  if (!(err instanceof PushFailure)) return err;
  const registry = req.refs[0] ? registryOfRef(req.refs[0]) : 'the registry';
  if (err.kind !== 'other') return new ActionError(err.message, pushHint(err.kind, registry));
  const d = describeBuildFailure(engine, err.output ?? err.message, {
    file: req.file,
    context: req.context,
    code: err.code ?? 1,
  });
  return new ActionError(d.message, d.hint);
}
