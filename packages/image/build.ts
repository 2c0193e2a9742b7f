// Build, push with retries, and report: the engine behind the docker-build-push action.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ActionError,
  InputError,
  retry,
  sleep as realSleep,
  type Sleep,
  type StateStore,
} from '@hac/toolkit';
import type { Exec } from './exec.js';
import { engineProblems, registryOf, type BuildRequest, type Engine } from './inputs.js';
import { resolveEngine } from './engine.js';
import {
  buildahBuildArgs,
  buildahInspectArgs,
  buildahPushArgs,
  buildahRelabelArgs,
  manifestName,
  staleLabels,
  usedCache,
} from './buildah.js';
import { buildxArgs, readDockerResult, secretEnv } from './docker.js';
import { classify, isTransient, pushHint, tail, type FailureKind } from './failures.js';
import { loginAll, type EcrTokenProvider } from './login.js';
import { pinned } from './reference.js';
import { insecureRegistriesFromConf } from './registries-conf.js';
import { describeBuildFailure, readBuildFailure } from './build-errors.js';
import { compatBuildahProblems } from './compat-args.js';
import { preflightRegistries, preflightTargets } from './registry-preflight.js';

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

function readIfExists(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

class PushFailure extends Error {
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
const failureKind = (output: string, push: boolean): FailureKind =>
  push && readBuildFailure(output).kind === 'other' ? classify(output) : 'other';

/** `CACHED` steps in buildx's plain progress output. */
const cachedBuildxSteps = (output: string): number => (output.match(/^#\d+ CACHED$/gm) ?? []).length;

function parseJson(text: string | undefined): Record<string, unknown> {
  try {
    const v: unknown = text ? JSON.parse(text) : {};
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Runs a build (and push) from a validated request. Throws ActionError with a hint on failure. */
export async function buildAndPush(req: BuildRequest, deps: BuildDeps): Promise<BuildResult> {
  const clock = deps.clock ?? Date.now;
  const { engine, reason } = await resolveEngine(req.engine, deps.exec, deps.env);
  const problems = [
    ...engineProblems(req, engine),
    ...(engine === 'buildah' ? compatBuildahProblems(req) : []),
  ];
  if (problems.length > 0) throw new InputError(problems);
  const warnings: string[] = [...req.notes];
  if (engine === 'buildah') {
    if (req.provenance !== undefined || req.sbom !== undefined)
      warnings.push('provenance and sbom attestations need engine docker (buildx); buildah ignores them.');
  } else if (req.insecureRegistries.length > 0 || !req.tlsVerify) {
    warnings.push(
      'insecure-registries and tls-verify apply to buildah; for docker configure the buildx builder (buildkitd.toml) or the daemon.',
    );
  }
  for (const w of warnings) deps.log.warning(w);
  deps.log.info(`Engine: ${engine} (${reason})`);

  const confInsecure =
    engine === 'buildah' ? (deps.confInsecure ?? insecureRegistriesFromConf(deps.env)) : [];
  const tlsFor = (registry: string) =>
    req.tlsVerify && !req.insecureRegistries.includes(registry) && !confInsecure.includes(registry);
  await (deps.preflight ?? preflightRegistries)(req, { engine, tlsFor, signal: deps.signal });
  const checked = preflightTargets(req).map((t) => t.registry);
  if (checked.length > 0) deps.log.info(`Registries answered: ${checked.join(', ')}`);
  deps.state.save(State.engine, engine);
  deps.state.save(State.logout, req.logout);
  const loggedIn: string[] = [];
  await loginAll(engine, req.logins, {
    exec: deps.exec,
    env: deps.env,
    ecrToken: deps.ecrToken,
    mask: deps.mask,
    info: deps.log.info,
    tlsVerify: tlsFor,
    loggedIn: (r) => {
      loggedIn.push(r);
      deps.state.save(State.logins, loggedIn);
    },
  });

  const dir = fs.mkdtempSync(path.join(deps.tempRoot ?? deps.env.RUNNER_TEMP ?? os.tmpdir(), 'hac-build-'));
  const env = { ...deps.env, ...secretEnv(req) };
  const onLine = (line: string) => deps.log.info(line);
  const result: BuildResult = {
    engine,
    engineReason: reason,
    refs: req.refs,
    pushed: [],
    images: [],
    labels: req.labels,
    version: req.version,
    tagSource: req.tagSource,
    cachedSteps: 0,
    buildMs: 0,
    pushMs: 0,
    retries: [],
    warnings,
    builderMetadata: {},
  };
  const retryOpts = (ref: string) => ({
    attempts: req.pushRetries + 1,
    baseMs: req.retryDelayMs,
    maxDelayMs: Math.max(req.retryDelayMs * 16, 30_000),
    retryable: (err: unknown) => err instanceof PushFailure && isTransient(err.kind),
    onRetry: ({ attempt, delayMs, error }: { attempt: number; delayMs: number; error: unknown }) => {
      const kind = (error as PushFailure).kind;
      result.retries.push({ ref, attempt, kind, delayMs });
      deps.log.warning(
        `Push of ${ref} failed (${kind}); attempt ${attempt + 1} of ${req.pushRetries + 1} in ${delayMs} ms`,
      );
    },
    sleep: deps.sleep ?? realSleep,
    random: deps.random,
    signal: deps.signal,
  });
  try {
    if (engine === 'docker') {
      const files = { iidfile: path.join(dir, 'iid'), metadataFile: path.join(dir, 'metadata.json') };
      const started = clock();
      let attempts = 0;
      await retry(
        async () => {
          attempts++;
          const res = await deps.exec('docker', buildxArgs(req, files), { env, onLine, signal: deps.signal });
          result.cachedSteps = cachedBuildxSteps(res.stderr + res.stdout);
          if (res.code === 0) return;
          const out = res.stderr + res.stdout;
          const kind = failureKind(out, req.push);
          throw new PushFailure(
            `docker buildx build failed (exit ${res.code}):\n${tail(res.stderr)}`,
            kind,
            out,
            res.code,
          );
        },
        retryOpts(req.refs[0] ?? 'build'),
      ).catch((err: unknown) => {
        throw buildFailure(err, req, engine);
      });
      result.buildMs = clock() - started;
      const metadataText = readIfExists(files.metadataFile);
      result.builderMetadata = parseJson(metadataText);
      const r = readDockerResult(metadataText, readIfExists(files.iidfile));
      result.imageId = r.imageId;
      if (req.push && r.digest) {
        result.digest = r.digest;
        result.pushed = req.refs.map((ref) => ({ ref, digest: r.digest as string, attempts }));
      }
    } else {
      const iidfile = path.join(dir, 'iid');
      const started = clock();
      const isolation = deps.env.BUILDAH_ISOLATION || 'chroot';
      if (isolation === 'chroot' && req.network === 'none')
        deps.log.warning(
          'network: none is not applied by buildah with chroot isolation (RUN steps use the host network).',
        );
      const res = await deps.exec(
        'buildah',
        buildahBuildArgs(
          { ...req, network: isolation === 'chroot' ? undefined : req.network },
          { iidfile },
          isolation,
        ),
        { env, onLine, signal: deps.signal },
      );
      result.buildMs = clock() - started;
      if (res.code !== 0)
        throw buildFailure(
          new PushFailure(
            `buildah build failed (exit ${res.code}):\n${tail(res.stderr)}`,
            'other',
            res.stderr + res.stdout,
            res.code,
          ),
          req,
          engine,
        );
      result.cachedSteps = usedCache(res.stdout + res.stderr);
      result.imageId = readIfExists(iidfile)?.trim();
      if (result.imageId && req.platforms.length <= 1 && Object.keys(req.labels).length > 0)
        result.imageId = await refreshLabels(deps, env, req, result.imageId, dir);
      if (req.push) {
        const pushStarted = clock();
        const manifest = req.platforms.length > 1 ? manifestName(req.refs) : undefined;
        for (const [i, ref] of req.refs.entries()) {
          const digestfile = path.join(dir, `digest-${i}`);
          const registry = registryOf(ref.slice(0, ref.lastIndexOf(':')));
          let attempts = 0;
          await retry(async () => {
            attempts++;
            const p = await deps.exec(
              'buildah',
              buildahPushArgs(ref, digestfile, { tlsVerify: tlsFor(registry), manifest }),
              { env, signal: deps.signal },
            );
            if (p.code !== 0)
              throw new PushFailure(
                `Push of ${ref} failed (buildah exit ${p.code}):\n${tail(p.stderr)}`,
                classify(p.stderr),
              );
          }, retryOpts(ref)).catch((err: unknown) => {
            if (err instanceof PushFailure)
              throw new ActionError(
                `${err.message}\n(after ${attempts} attempt${attempts === 1 ? '' : 's'})`,
                pushHint(err.kind, registry),
              );
            throw err;
          });
          const digest = readIfExists(digestfile)?.trim() ?? '';
          deps.log.info(`Pushed ${ref} (${digest})`);
          result.pushed.push({ ref, digest, attempts });
        }
        result.pushMs = clock() - pushStarted;
        result.digest = result.pushed[0]?.digest || undefined;
        const distinct = new Set(result.pushed.map((p) => p.digest));
        if (distinct.size > 1)
          deps.log.warning(
            `Tags were pushed with different digests (${[...distinct].join(', ')}); "digest" is that of ${req.refs[0]}.`,
          );
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (result.digest) {
    result.images = req.repositories.map((r) =>
      pinned(r, result.pushed.find((p) => p.ref.startsWith(`${r}:`))?.digest ?? (result.digest as string)),
    );
    result.image = result.images[0];
  }
  return result;
}

/**
 * buildah reuses a cached multi-stage image with the labels of the build that made it (ignoring
 * --label). When the image's labels are not the wanted ones, set them on a commit of it.
 */
async function refreshLabels(
  deps: BuildDeps,
  env: NodeJS.ProcessEnv,
  req: BuildRequest,
  imageId: string,
  dir: string,
): Promise<string> {
  const inspect = await deps.exec('buildah', buildahInspectArgs(imageId), { env, signal: deps.signal });
  const stale = inspect.code === 0 ? staleLabels(inspect.stdout, req.labels) : Object.keys(req.labels);
  if (stale.length === 0) return imageId;
  deps.log.info(
    `buildah reused a cached image with other labels (${stale.join(', ')}); committing it with the labels`,
  );
  const iidfile = path.join(dir, 'relabel-iid');
  const container = `hac-relabel-${path.basename(dir).replace(/[^A-Za-z0-9_.-]/g, '')}`;
  for (const args of buildahRelabelArgs(imageId, container, req.labels, req.refs, iidfile)) {
    const r = await deps.exec('buildah', args, { env, signal: deps.signal });
    if (r.code !== 0) {
      await deps.exec('buildah', ['rm', container], { env });
      throw new ActionError(
        `Setting the labels on the cached image failed (buildah ${args[0]}, exit ${r.code}):\n${tail(r.stderr)}`,
        'Re-run with no-cache: true to rebuild the image with its labels.',
      );
    }
  }
  return readIfExists(iidfile)?.trim() || imageId;
}

function buildFailure(err: unknown, req: BuildRequest, engine: Engine): unknown {
  if (!(err instanceof PushFailure)) return err;
  const registry = req.refs[0]
    ? registryOf(req.refs[0].slice(0, req.refs[0].lastIndexOf(':')))
    : 'the registry';
  if (err.kind !== 'other') return new ActionError(err.message, pushHint(err.kind, registry));
  const d = describeBuildFailure(engine, err.output ?? err.message, {
    file: req.file,
    context: req.context,
    code: err.code ?? 1,
  });
  return new ActionError(d.message, d.hint);
}
