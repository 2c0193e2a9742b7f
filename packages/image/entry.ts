// docker-build-push's main and post steps as engines: read (inputs checked, then resolved against
// the workspace and the git context, before anything runs), run, report.
import { maskSecret, type ActionDeps, type Engine } from '@hac/toolkit';
import { buildAndPush } from './build.js';
import type { BuildDeps, BuildResult } from './build-context.js';
import { exec } from './exec.js';
import { githubContext } from './github.js';
import { resolveInputs } from './inputs.js';
import { ecrToken } from './login.js';
import { logoutFromState } from './post.js';
import { outputsOf, summaryOf } from './report.js';
import type { BuildRequest } from './request.js';

const mask = (secret: string | undefined) => maskSecret(secret);

/** What the build takes from the step it runs in. */
export const buildDeps = (deps: ActionDeps): BuildDeps => ({
  exec,
  env: deps.env,
  log: deps.log,
  state: deps.state,
  ecrToken,
  mask,
  sleep: deps.sleep,
  clock: deps.clock,
  signal: deps.signal,
});

export const dockerBuildPushMain: Engine<BuildRequest, BuildResult> = {
  name: 'docker-build-push',
  read: (deps) =>
    resolveInputs(deps.inputs, {
      git: githubContext(deps.env, (line) => deps.log.info(line)),
      now: new Date(deps.clock()),
      env: deps.env,
      mask,
    }),
  run: (request, deps) => buildAndPush(request, buildDeps(deps)),
  report: async (result, deps) => {
    deps.setOutputs(outputsOf(result));
    await deps.writeSummary(summaryOf(result));
  },
};

/** post: log out of every registry main logged in to (nothing when main logged in nowhere). */
export const dockerBuildPushPost: Engine<undefined, string[]> = {
  name: 'docker-build-push post',
  read: () => undefined,
  run: (_inputs, deps) => logoutFromState(deps.state, { exec, env: deps.env, log: deps.log }),
  report: () => undefined,
};
