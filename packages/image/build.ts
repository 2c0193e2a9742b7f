// Build, push with retries, and report: the engine behind the docker-build-push action, by phase:
// preflight and login (build-preflight.ts), build and push (build-docker.ts, build-buildah.ts),
// then clean up and pin the pushed images by digest. The phases share one BuildContext.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BuildRequest } from './request.js';
import { secretEnv } from './docker.js';
import { pinned } from './reference.js';
import type { BuildContext, BuildDeps, BuildResult } from './build-context.js';
import { buildahBuild, buildahPush } from './build-buildah.js';
import { dockerBuildPush } from './build-docker.js';
import { preflight, type Preflight } from './build-preflight.js';

export { State } from './build-context.js';
export type { BuildDeps, BuildResult, Logger, PushRecord } from './build-context.js';

function emptyResult(req: BuildRequest, checked: Preflight): BuildResult {
  return {
    engine: checked.engine,
    engineReason: checked.reason,
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
    warnings: checked.warnings,
    builderMetadata: {},
  };
}

/** The build and push phases of the chosen engine. */
async function buildPhase(ctx: BuildContext): Promise<void> {
  if (ctx.engine === 'docker') return dockerBuildPush(ctx);
  await buildahBuild(ctx);
  if (ctx.req.push) await buildahPush(ctx);
}

/** repo@digest of every repository pushed, the first being what a deployment should use. */
function pinImages(req: BuildRequest, result: BuildResult): void {
  const digest = result.digest;
  if (!digest) return;
  result.images = req.repositories.map((r) =>
    pinned(r, result.pushed.find((p) => p.ref.startsWith(`${r}:`))?.digest ?? digest),
  );
  result.image = result.images[0];
}

/** Runs a build (and push) from a validated request. Throws ActionError with a hint on failure. */
export async function buildAndPush(req: BuildRequest, deps: BuildDeps): Promise<BuildResult> {
  const checked = await preflight(req, deps);
  const root = deps.tempRoot ?? deps.env.RUNNER_TEMP ?? os.tmpdir();
  const ctx: BuildContext = {
    req,
    deps,
    engine: checked.engine,
    tlsFor: checked.tlsFor,
    dir: fs.mkdtempSync(path.join(root, 'hac-build-')),
    env: { ...deps.env, ...secretEnv(req) },
    clock: deps.clock ?? Date.now,
    result: emptyResult(req, checked),
  };
  try {
    await buildPhase(ctx);
  } finally {
    fs.rmSync(ctx.dir, { recursive: true, force: true });
  }
  pinImages(req, ctx.result);
  return ctx.result;
}
