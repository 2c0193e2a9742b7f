// Runs docker-build-push's engine in-process with one engine or the other on the same inputs, as
// the action does (resolveInputs, then buildAndPush), recording every argv and log line.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { buildAndPush } from '../../../packages/image/build.js';
import { exec } from '../../../packages/image/exec.js';
import { resolveInputs } from '../../../packages/image/inputs.js';
import { type BuildDeps, type BuildResult } from '../../../packages/image/build-context.js';
import type { SandboxEnv } from '../../support/sandbox.js';
import { eventContext } from '../../unit/image/events.js';

export const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/docker');
export type EngineName = 'docker' | 'buildah';
export const ENGINES: EngineName[] = ['docker', 'buildah'];

export interface Run {
  result: BuildResult;
  argv: string[][];
  logs: string[];
}

/** Engine inputs: docker builds on the sandbox's buildkitd (buildx builder, no network for RUN). */
export function engineInputs(sb: SandboxEnv, engine: EngineName): Record<string, string> {
  if (engine === 'buildah') return { engine };
  return { engine, builder: sb.vars.HAC_BUILDKIT_BUILDER ?? '', network: 'none' };
}

export async function runEngine(
  sb: SandboxEnv,
  env: NodeJS.ProcessEnv,
  engine: EngineName,
  inputs: Record<string, string>,
  event: [string, string] = ['push', 'push-tag-v1.2.3.json'],
  over: Partial<BuildDeps> = {},
): Promise<Run> {
  const all = { ...engineInputs(sb, engine), ...inputs };
  const argv: string[][] = [];
  const logs: string[] = [];
  const request = resolveInputs((n) => all[n] ?? '', {
    git: eventContext(...event),
    now: new Date('2026-11-27T10:00:00Z'),
    cwd: fixtures,
    env,
  });
  const result = await buildAndPush(request, {
    exec: (cmd, args, opts) => (argv.push([cmd, ...args]), exec(cmd, args, opts)),
    env,
    log: { info: (m) => logs.push(m), warning: (m) => logs.push(`warning: ${m}`) },
    state: memoryState(),
    ecrToken: async () => {
      throw new Error('no ECR in this test');
    },
    mask: () => undefined,
    ...over,
  });
  return { result, argv, logs };
}

/** The tag part of every reference. */
export const tagsOf = (refs: string[]): string[] => refs.map((r) => r.slice(r.lastIndexOf(':') + 1));
