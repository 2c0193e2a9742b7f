// The only place build-ami's inputs are read: raw text -> typed values (input-spec.ts), checked
// together by small named rules (input-rules.ts), then resolved (input-resolve.ts) into
// BuildAmiInputs. No AWS call and no AWS SDK here: bad input fails before either is loaded.
import { readInputs, systemClock, type InputSource } from '@hac/toolkit';
import { workspaceFiles, type InputFiles } from './input-files.js';
import { buildAmiRules } from './input-rules.js';
import { resolveBuildAmiInputs } from './input-resolve.js';
import { Inputs, spec } from './input-spec.js';
import type { BuildAmiInputs } from './types.js';

export { Inputs, spec, type BuildAmiValues } from './input-spec.js';
export * from './input-rules.js';
export { appOf, baseAmi, resolveBuildAmiInputs, ssmSpec } from './input-resolve.js';
export { readText, workspaceFiles, type FileText, type InputFiles } from './input-files.js';

export interface Context {
  env?: NodeJS.ProcessEnv;
  /** The workspace (default GITHUB_WORKSPACE, then the working directory). */
  cwd?: string;
  now?: Date;
  /** How path inputs are resolved and read (default: the workspace, each file read once). */
  files?: InputFiles;
}

/** Reads and checks every input; one InputError lists every problem. No AWS call happens here. */
export function readBuildAmiInputs(source: InputSource, ctx: Context = {}): BuildAmiInputs {
  const env = ctx.env ?? process.env;
  const world = {
    env,
    now: ctx.now ?? new Date(systemClock()),
    files: ctx.files ?? workspaceFiles({ env, ...(ctx.cwd ? { cwd: ctx.cwd } : {}) }),
  };
  // The engine decides which inputs apply: a wrong engine is reported alone, not with their errors.
  readInputs({ [Inputs.engine]: spec[Inputs.engine] }, source);
  const values = readInputs(spec, source, buildAmiRules(world));
  return resolveBuildAmiInputs(values, world);
}
