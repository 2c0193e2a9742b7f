// The docker phase: one `docker buildx build` that builds and (with push) pushes, retried on
// transient registry failures; then the digest and image id from the files buildx writes.
import path from 'node:path';
import { retry } from '@hac/toolkit';
import { buildxArgs, readDockerResult } from './docker.js';
import { tail } from './failures.js';
import {
  PushFailure,
  buildFailure,
  failureKind,
  readIfExists,
  retryOptions,
  type BuildContext,
} from './build-context.js';

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

/** Builds (and pushes) with buildx; fills in the timings, cache use, metadata, image id and digest. */
export async function dockerBuildPush(ctx: BuildContext): Promise<void> {
  const { req, deps, result } = ctx;
  const files = { iidfile: path.join(ctx.dir, 'iid'), metadataFile: path.join(ctx.dir, 'metadata.json') };
  const onLine = (line: string) => deps.log.info(line);
  const started = ctx.clock();
  let attempts = 0;
  await retry(
    async () => {
      attempts++;
      const res = await deps.exec('docker', buildxArgs(req, files), {
        env: ctx.env,
        onLine,
        signal: deps.signal,
      });
      const out = res.stderr + res.stdout;
      result.cachedSteps = cachedBuildxSteps(out);
      if (res.code === 0) return;
      throw new PushFailure(
        `docker buildx build failed (exit ${res.code}):\n${tail(res.stderr)}`,
        failureKind(out, req.push),
        out,
        res.code,
      );
    },
    retryOptions(ctx, req.refs[0] ?? 'build'),
  ).catch((err: unknown) => {
    throw buildFailure(err, req, ctx.engine);
  });
  result.buildMs = ctx.clock() - started;
  const metadataText = readIfExists(files.metadataFile);
  result.builderMetadata = parseJson(metadataText);
  const r = readDockerResult(metadataText, readIfExists(files.iidfile));
  result.imageId = r.imageId;
  if (req.push && r.digest) {
    result.digest = r.digest;
    result.pushed = req.refs.map((ref) => ({ ref, digest: r.digest as string, attempts }));
  }
}
