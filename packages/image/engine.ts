// Choosing the builder: docker when a daemon with buildx answers, otherwise buildah.
import { ActionError } from '@hac/toolkit';
import type { Exec } from './exec.js';
import type { Engine, EngineChoice } from './inputs.js';
import { dockerProbes } from './docker.js';

export async function dockerAvailable(exec: Exec, env: NodeJS.ProcessEnv): Promise<boolean> {
  for (const args of dockerProbes) {
    const res = await exec('docker', args, { env });
    if (res.code !== 0) return false;
  }
  return true;
}

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
    if (choice === 'docker' && !(await dockerAvailable(exec, env))) {
      throw new ActionError(
        'engine is docker but no Docker daemon with buildx answers (docker info / docker buildx version failed).',
        'Use a runner with Docker (GitHub-hosted ubuntu runners have it, add docker/setup-buildx-action), or set engine: buildah or auto.',
      );
    }
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
