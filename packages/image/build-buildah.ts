// The buildah phases: `buildah build` (labels refreshed on a reused cached image), then a push of
// each reference, retried on transient registry failures, with the digest buildah writes.
import path from 'node:path';
import { ActionError, retry } from '@hac/toolkit';
import {
  buildahBuildArgs,
  buildahInspectArgs,
  buildahPushArgs,
  buildahRelabelArgs,
  manifestName,
  staleLabels,
  usedCache,
} from './buildah.js';
import { classify, pushHint, tail } from './failures.js';
import {
  PushFailure,
  buildFailure,
  readIfExists,
  registryOfRef,
  retryOptions,
  type BuildContext,
} from './build-context.js';

/** Builds with buildah; fills in the timing, cache use and image id. */
export async function buildahBuild(ctx: BuildContext): Promise<void> {
  const { req, deps, result } = ctx;
  const iidfile = path.join(ctx.dir, 'iid');
  const started = ctx.clock();
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
    { env: ctx.env, onLine: (line) => deps.log.info(line), signal: deps.signal },
  );
  result.buildMs = ctx.clock() - started;
  if (res.code !== 0) {
    const output = res.stderr + res.stdout;
    const failure = new PushFailure(
      `buildah build failed (exit ${res.code}):\n${tail(res.stderr)}`,
      'other',
      output,
      res.code,
    );
    throw buildFailure(failure, req, ctx.engine);
  }
  result.cachedSteps = usedCache(res.stdout + res.stderr);
  result.imageId = readIfExists(iidfile)?.trim();
  if (result.imageId && req.platforms.length <= 1 && Object.keys(req.labels).length > 0)
    result.imageId = await refreshLabels(ctx, result.imageId);
}

/**
 * buildah reuses a cached multi-stage image with the labels of the build that made it (ignoring
 * --label). When the image's labels are not the wanted ones, set them on a commit of it.
 */
async function refreshLabels(ctx: BuildContext, imageId: string): Promise<string> {
  const { req, deps, env, dir } = ctx;
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

/** Pushes one reference (or the manifest list of a multi-platform build); returns its digest. */
async function pushOne(ctx: BuildContext, ref: string, i: number, manifest: string | undefined) {
  const { deps } = ctx;
  const digestfile = path.join(ctx.dir, `digest-${i}`);
  const registry = registryOfRef(ref);
  let attempts = 0;
  await retry(
    async () => {
      attempts++;
      const args = buildahPushArgs(ref, digestfile, { tlsVerify: ctx.tlsFor(registry), manifest });
      const p = await deps.exec('buildah', args, { env: ctx.env, signal: deps.signal });
      if (p.code !== 0)
        throw new PushFailure(
          `Push of ${ref} failed (buildah exit ${p.code}):\n${tail(p.stderr)}`,
          classify(p.stderr),
        );
    },
    retryOptions(ctx, ref),
  ).catch((err: unknown) => {
    if (!(err instanceof PushFailure)) throw err;
    const after = `(after ${attempts} attempt${attempts === 1 ? '' : 's'})`;
    throw new ActionError(`${err.message}\n${after}`, pushHint(err.kind, registry));
  });
  const digest = readIfExists(digestfile)?.trim() ?? '';
  deps.log.info(`Pushed ${ref} (${digest})`);
  return { ref, digest, attempts };
}

/** Pushes every reference in order; the first one's digest is the result's. */
export async function buildahPush(ctx: BuildContext): Promise<void> {
  const { req, deps, result } = ctx;
  const started = ctx.clock();
  const manifest = req.platforms.length > 1 ? manifestName(req.refs) : undefined;
  for (const [i, ref] of req.refs.entries()) result.pushed.push(await pushOne(ctx, ref, i, manifest));
  result.pushMs = ctx.clock() - started;
  result.digest = result.pushed[0]?.digest || undefined;
  const distinct = new Set(result.pushed.map((p) => p.digest));
  if (distinct.size > 1)
    deps.log.warning(
      `Tags were pushed with different digests (${[...distinct].join(', ')}); "digest" is that of ${req.refs[0]}.`,
    );
}
