// Choosing the builder: docker when a daemon with buildx answers, otherwise buildah.
import { ActionError } from '@hac/toolkit';
import type { Exec } from './exec.js';
import type { Engine, EngineChoice } from './request.js';
import { dockerProbes } from './docker.js';

export async function dockerAvailable(exec: Exec, env: NodeJS.ProcessEnv): Promise<boolean> {
  for (const args of dockerProbes) {
    const res = await exec('docker', args, { env });
    if (res.code !== 0) return false;
  }
  return true;
}

/** Why the docker engine cannot build here (CLI, daemon or buildx), or undefined when it can. */
export async function dockerProblem(
  exec: Exec,
  env: NodeJS.ProcessEnv,
): Promise<{ message: string; hint: string } | undefined> {
  const host = env.DOCKER_HOST || 'the default socket /var/run/docker.sock';
  const info = await exec('docker', dockerProbes[0] as string[], { env });
  if (info.code === 127)
    return {
      message: 'docker engine: the docker CLI is not installed (docker: command not found).',
      hint: 'Use a runner with Docker (GitHub-hosted ubuntu runners have it), or set engine: buildah or auto.',
    };
  if (info.code !== 0)
    return {
      message: `docker engine: the Docker daemon at ${host} does not answer (docker info: ${lastLine(info.stderr)}).`,
      hint: 'Start the daemon or fix DOCKER_HOST; with no daemon, set engine: buildah or auto.',
    };
  const buildx = await exec('docker', dockerProbes[1] as string[], { env });
  if (buildx.code !== 0)
    return {
      message: `docker engine: the buildx plugin is missing (docker buildx version: ${lastLine(buildx.stderr)}).`,
      hint: 'Add docker/setup-buildx-action before this step, or install docker-buildx into ~/.docker/cli-plugins (or $DOCKER_CONFIG/cli-plugins).',
    };
  return undefined;
}

const lastLine = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop() ?? 'no output';

export async function buildahAvailable(exec: Exec, env: NodeJS.ProcessEnv): Promise<boolean> {
  return (await exec('buildah', ['version'], { env })).code === 0;
}

/** Resolves `auto`, and checks that the chosen engine is installed. Runs only read-only probes. */
export async function resolveEngine(
  choice: EngineChoice,
  exec: Exec,
  env: NodeJS.ProcessEnv,
): Promise<{ engine: Engine; reason: string }> {
  if (choice === 'docker' || (choice === 'auto' && (await dockerAvailable(exec, env)))) {
    const problem = choice === 'docker' ? await dockerProblem(exec, env) : undefined;
    if (problem) throw new ActionError(problem.message, problem.hint);
    return {
      engine: 'docker',
      reason: choice === 'auto' ? 'auto: a Docker daemon with buildx answered' : 'engine: docker',
    };
  }
  if (!(await buildahAvailable(exec, env))) {
    throw new ActionError(
      choice === 'auto'
        ? 'No builder found: no Docker daemon answers and buildah is not installed.'
        : 'engine is buildah but buildah is not installed.',
      'Install buildah on the runner (apt-get install -y buildah) or use a runner with Docker and buildx.',
    );
  }
  return {
    engine: 'buildah',
    reason: choice === 'auto' ? 'auto: no Docker daemon answered, using buildah' : 'engine: buildah',
  };
}
