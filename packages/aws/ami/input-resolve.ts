// After the rules passed: typed values -> what the engines take. Reads the files the inputs name,
// renders the AMI name and picks the defaults that come from the environment.
import { defaultRunId } from '../tags.js';
import { nameVariables, renderName } from './name.js';
import { RUN_SHELL_SCRIPT, scriptCommands, type SsmCommandSpec } from './ssm-spec.js';
import { wrapUserData } from './userdata.js';
import type { InputFiles } from './input-files.js';
import { Inputs, type BuildAmiValues } from './input-spec.js';
import type { RuleWorld } from './input-rules.js';
import type { BaseAmi, BuildAmiInputs } from './types.js';

/** The SSM command: the document, its parameters as lists of strings, and the script as `commands`. */
export function ssmSpec(document: string, script: string, params: unknown): SsmCommandSpec {
  const parameters: Record<string, string[]> = Object.fromEntries(
    Object.entries((params ?? {}) as Record<string, unknown>).map(([k, x]) => [
      k,
      (Array.isArray(x) ? x : [x]).map(String),
    ]),
  );
  if (script.trim()) parameters.commands = scriptCommands(script);
  return { document, parameters };
}

/** The base image: an id, or DescribeImages filters (each value a list) with their owners. */
export function baseAmi(v: BuildAmiValues): BaseAmi {
  if (v[Inputs.baseAmi]) return { id: v[Inputs.baseAmi] };
  const filters = (v[Inputs.baseAmiFilters] ?? {}) as Record<string, string | string[]>;
  return {
    filters: Object.fromEntries(Object.entries(filters).map(([k, x]) => [k, Array.isArray(x) ? x : [x]])),
    owners: v[Inputs.baseAmiOwners],
  };
}

/** The app: the input, else the repository's name. */
export function appOf(v: BuildAmiValues, env: NodeJS.ProcessEnv): string {
  return v.app || (env.GITHUB_REPOSITORY ?? '').split('/').pop() || 'app';
}

/** The text of an inline input, or of the file its *-file twin names (the file wins). */
function scriptText(v: BuildAmiValues, files: InputFiles, inline: string, file: string): string {
  if (file) return files.read(file, v[Inputs.allowOutsideWorkspace]);
  return inline.trim() ? inline : '';
}

function nativeInputs(v: BuildAmiValues, world: RuleWorld): NonNullable<BuildAmiInputs['native']> {
  const { env, files, now } = world;
  const app = appOf(v, env);
  const userData = scriptText(v, files, v[Inputs.userData], v[Inputs.userDataFile]);
  const script = scriptText(v, files, v[Inputs.ssmCommands], v[Inputs.ssmCommandsFile]);
  const ssm = script !== '' || v[Inputs.ssmCommandsFile] !== '' || v[Inputs.ssmDocument] !== '';
  const document = v[Inputs.ssmDocument] || RUN_SHELL_SCRIPT;
  return {
    app,
    base: baseAmi(v),
    instanceType: v[Inputs.instanceType],
    ...(v[Inputs.subnetId] ? { subnetId: v[Inputs.subnetId] } : {}),
    ...(v[Inputs.iamInstanceProfile] ? { instanceProfile: v[Inputs.iamInstanceProfile] } : {}),
    securityGroupIds: v[Inputs.securityGroupIds],
    userData: v.shutdown && !ssm ? wrapUserData(userData) : userData,
    ...(ssm ? { ssm: ssmSpec(document, script, v[Inputs.ssmParameters]) } : {}),
    ...(v[Inputs.volumeSize] ? { volumeSizeGb: v[Inputs.volumeSize] } : {}),
    name: renderName(v[Inputs.nameTemplate], nameVariables(app, now, env)),
    description:
      v.description ||
      `Built by hac build-ami from ${env.GITHUB_REPOSITORY ?? 'a local run'}@${(env.GITHUB_SHA ?? 'local').slice(0, 7)}`,
    tags: v.tags,
    copyRegions: v[Inputs.copyRegions],
    provisionTimeoutMs: v.timeout,
    imageTimeoutMs: v[Inputs.imageTimeout],
  };
}

function packerInputs(v: BuildAmiValues, files: InputFiles): NonNullable<BuildAmiInputs['packer']> {
  const resolve = (p: string) => files.resolve(p, v[Inputs.allowOutsideWorkspace]);
  return {
    template: resolve(v.template),
    varFiles: v[Inputs.varFiles].map(resolve),
    vars: v.vars,
    secretVars: v[Inputs.secretVars],
    only: v.only,
    except: v.except,
    onError: 'cleanup',
    force: false,
    init: v[Inputs.packerInit],
    path: v[Inputs.packerPath],
  };
}

/** Typed, checked values -> the engine's inputs (reads the files the inputs name). */
export function resolveBuildAmiInputs(v: BuildAmiValues, world: RuleWorld): BuildAmiInputs {
  const common = {
    engine: v.engine,
    region: v.region,
    endpoint: v.endpoint,
    maxAttempts: v[Inputs.maxAttempts],
    connectTimeoutMs: v[Inputs.connectTimeout],
    requestTimeoutMs: v[Inputs.requestTimeout],
    runId: v[Inputs.runId] || defaultRunId(world.env),
    keep: v.keep,
    family: v.family || appOf(v, world.env),
  };
  return v.engine === 'packer'
    ? { ...common, packer: packerInputs(v, world.files) }
    : { ...common, native: nativeInputs(v, world) };
}
