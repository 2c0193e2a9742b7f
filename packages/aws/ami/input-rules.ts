// build-ami's cross-input rules: each a small named function that adds a problem when the inputs
// break it. They run after every input parsed on its own, and all their problems are reported
// together in one InputError. Rules that look at files read them through InputFiles.
import type { Problems, Rule, RuleContext } from '@hac/toolkit';
import { isValidRegion } from '../regions.js';
import { nameVariables, renderName } from './name.js';
import { RUN_SHELL_SCRIPT, RUN_SHELL_SCRIPT_PARAMETERS } from './ssm-spec.js';
import { isShellScript, USER_DATA_LIMIT, wrapUserData } from './userdata.js';
import { readText, type InputFiles } from './input-files.js';
import { Inputs, type BuildAmiValues } from './input-spec.js';

export type AmiRule = Rule<BuildAmiValues>;

/** What some rules need beside the inputs: the environment, the time and the workspace files. */
export interface RuleWorld {
  env: NodeJS.ProcessEnv;
  now: Date;
  files: InputFiles;
}

const given = (ctx: RuleContext, name: string) => ctx.raw(name).trim() !== '';
const rawOf = (ctx: RuleContext, name: string) => ctx.raw(name).trim();

/** Whether SSM Run Command provisions the instance (instead of user data that powers it off). */
export const usesSsm = (ctx: RuleContext): boolean =>
  given(ctx, Inputs.ssmCommands) || given(ctx, Inputs.ssmCommandsFile) || given(ctx, Inputs.ssmDocument);

function exclusive(ctx: RuleContext, problems: Problems, a: string, b: string): void {
  if (given(ctx, a) && given(ctx, b))
    problems.add(b, rawOf(ctx, b), `not both "${a}" and "${b}": give one of them`);
}

/**
 * The script of an inline input or of the file its *-file twin names: '' when neither is given,
 * undefined when the file cannot be read (that problem is reported once, by scriptFilesReadable).
 */
export function scriptOf(
  v: BuildAmiValues,
  ctx: RuleContext,
  files: InputFiles,
  inline: string,
  fileInput: string,
): string | undefined {
  if (!given(ctx, fileInput)) return given(ctx, inline) ? ctx.raw(inline) : '';
  if (ctx.failed.has(fileInput)) return undefined;
  const read = readText(files, rawOf(ctx, fileInput), v[Inputs.allowOutsideWorkspace] === true);
  return 'text' in read ? read.text : undefined;
}

/** Applies rules only when the inputs choose `engine`. */
export function onEngine(engine: BuildAmiValues['engine'], rules: AmiRule[]): AmiRule[] {
  return rules.map((rule) => (v, problems, ctx) => {
    if (v.engine === engine) rule(v, problems, ctx);
  });
}

// --- engine "native" ---------------------------------------------------------------------------

export const oneBaseImage: AmiRule = (_v, problems, ctx) => {
  exclusive(ctx, problems, Inputs.baseAmi, Inputs.baseAmiFilters);
  if (!given(ctx, Inputs.baseAmi) && !given(ctx, Inputs.baseAmiFilters))
    problems.add(
      Inputs.baseAmi,
      '',
      'an AMI id, or "base-ami-filters" with "base-ami-owners" (engine "native" needs a base image)',
    );
};

export const filtersNeedOwners: AmiRule = (_v, problems, ctx) => {
  if (given(ctx, Inputs.baseAmiFilters) && !given(ctx, Inputs.baseAmiOwners))
    problems.add(
      Inputs.baseAmiOwners,
      '',
      'owners for "base-ami-filters" (e.g. amazon or an account id): filters without owners match anyone\'s images',
    );
};

export const nativeTakesNoTemplate: AmiRule = (_v, problems, ctx) => {
  if (given(ctx, Inputs.template))
    problems.add(
      Inputs.template,
      rawOf(ctx, Inputs.template),
      'no template with engine "native" (set engine: packer to use it)',
    );
};

export const appNamed =
  (env: NodeJS.ProcessEnv): AmiRule =>
  (_v, problems, ctx) => {
    if (!given(ctx, Inputs.app) && !env.GITHUB_REPOSITORY)
      problems.add(Inputs.app, '', 'an app name (used in the AMI name and family tag)');
  };

export const userDataOrFile: AmiRule = (_v, problems, ctx) =>
  exclusive(ctx, problems, Inputs.userData, Inputs.userDataFile);

export const ssmCommandsOrFile: AmiRule = (_v, problems, ctx) =>
  exclusive(ctx, problems, Inputs.ssmCommands, Inputs.ssmCommandsFile);

export const scriptFilesReadable =
  (files: InputFiles): AmiRule =>
  (v, problems, ctx) => {
    for (const name of [Inputs.userDataFile, Inputs.ssmCommandsFile]) {
      if (!given(ctx, name) || ctx.failed.has(name)) continue;
      const read = readText(files, rawOf(ctx, name), v[Inputs.allowOutsideWorkspace] === true);
      if ('error' in read) problems.add(name, rawOf(ctx, name), read.error);
    }
  };

export const ssmNeedsProfile: AmiRule = (_v, problems, ctx) => {
  if (usesSsm(ctx) && !given(ctx, Inputs.iamInstanceProfile))
    problems.add(
      Inputs.iamInstanceProfile,
      '',
      'an instance profile with the AmazonSSMManagedInstanceCore policy (SSM Run Command provisioning needs one)',
    );
};

const ssmParams = (v: BuildAmiValues) => (v[Inputs.ssmParameters] ?? {}) as Record<string, unknown>;
const runsShellScript = (v: BuildAmiValues) =>
  (v[Inputs.ssmDocument] || RUN_SHELL_SCRIPT) === RUN_SHELL_SCRIPT;

export const noCommandsParameterWithScript: AmiRule = (v, problems, ctx) => {
  const script = given(ctx, Inputs.ssmCommands) || given(ctx, Inputs.ssmCommandsFile);
  if (script && 'commands' in ssmParams(v))
    problems.add(
      Inputs.ssmParameters,
      'commands',
      'no "commands" parameter when "ssm-commands" or "ssm-commands-file" gives the script',
    );
};

export const runShellScriptHasScript =
  (files: InputFiles): AmiRule =>
  (v, problems, ctx) => {
    if (!usesSsm(ctx) || !runsShellScript(v) || 'commands' in ssmParams(v)) return;
    const script = scriptOf(v, ctx, files, Inputs.ssmCommands, Inputs.ssmCommandsFile);
    if (script !== undefined && !script.trim())
      problems.add(
        Inputs.ssmCommands,
        '',
        `a shell script in "ssm-commands" or "ssm-commands-file" (the ${RUN_SHELL_SCRIPT} document runs it)`,
      );
  };

export const runShellScriptParameters: AmiRule = (v, problems, ctx) => {
  if (!usesSsm(ctx) || !runsShellScript(v)) return;
  const known: readonly string[] = RUN_SHELL_SCRIPT_PARAMETERS;
  for (const name of Object.keys(ssmParams(v)))
    if (!known.includes(name))
      problems.add(
        Inputs.ssmParameters,
        name,
        `parameters of ${RUN_SHELL_SCRIPT}: ${RUN_SHELL_SCRIPT_PARAMETERS.join(', ')}`,
      );
};

export const ssmParametersNeedSsm: AmiRule = (_v, problems, ctx) => {
  if (!usesSsm(ctx) && given(ctx, Inputs.ssmParameters))
    problems.add(
      Inputs.ssmParameters,
      rawOf(ctx, Inputs.ssmParameters),
      'nothing without "ssm-commands", "ssm-commands-file" or "ssm-document" (the parameters are for SSM Run Command)',
    );
};

export const provisioningGiven =
  (files: InputFiles): AmiRule =>
  (v, problems, ctx) => {
    if (usesSsm(ctx)) return;
    const userData = scriptOf(v, ctx, files, Inputs.userData, Inputs.userDataFile);
    if (userData !== undefined && !userData.trim())
      problems.add(
        Inputs.userData,
        '',
        'a provisioning script in "user-data" or "user-data-file" (it must power the instance off when done, or set shutdown: true), or SSM Run Command with "ssm-commands" and "iam-instance-profile"',
      );
  };

export const shutdownNeedsShellScript =
  (files: InputFiles): AmiRule =>
  (v, problems, ctx) => {
    const userData = scriptOf(v, ctx, files, Inputs.userData, Inputs.userDataFile);
    if (usesSsm(ctx) || !userData?.trim() || !v.shutdown || isShellScript(userData)) return;
    problems.add(
      Inputs.shutdown,
      'true',
      'false for cloud-config or MIME user data (build-ami can only add the power-off to a shell script; yours must power off itself)',
    );
  };

export const userDataFits =
  (files: InputFiles): AmiRule =>
  (v, problems, ctx) => {
    const userData = scriptOf(v, ctx, files, Inputs.userData, Inputs.userDataFile);
    if (!userData?.trim()) return;
    const ssm = usesSsm(ctx);
    // With SSM the user data runs at boot as given (e.g. to install the agent); build-ami stops the instance.
    const wrapped = !ssm && v.shutdown;
    if (wrapped && !isShellScript(userData)) return; // shutdownNeedsShellScript reports it
    const sent = wrapped ? wrapUserData(userData, () => '0'.repeat(16)) : userData;
    if (Buffer.byteLength(sent) <= USER_DATA_LIMIT) return;
    problems.add(
      given(ctx, Inputs.userDataFile) ? Inputs.userDataFile : Inputs.userData,
      `${Buffer.byteLength(userData)} bytes`,
      ssm
        ? `at most ${USER_DATA_LIMIT} bytes of user data`
        : `at most ${USER_DATA_LIMIT} bytes of user data (with build-ami's wrapper); fetch larger scripts from S3 instead`,
    );
  };

const PACKER_ONLY = [Inputs.varFiles, Inputs.vars, Inputs.secretVars, Inputs.only, Inputs.except];

export const packerInputsOnNative: AmiRule = (_v, problems, ctx) => {
  for (const p of PACKER_ONLY)
    if (given(ctx, p))
      problems.add(
        p,
        p === Inputs.secretVars ? '***' : rawOf(ctx, p),
        `nothing with engine "native" ("${p}" is for engine "packer")`,
      );
};

export const nameRenders =
  (env: NodeJS.ProcessEnv, now: Date): AmiRule =>
  (v, problems, ctx) => {
    if (ctx.failed.has(Inputs.nameTemplate)) return;
    try {
      renderName(v[Inputs.nameTemplate], nameVariables(v.app || 'app', now, env));
    } catch (err) {
      problems.add(Inputs.nameTemplate, rawOf(ctx, Inputs.nameTemplate), (err as Error).message);
    }
  };

// --- engine "packer" ---------------------------------------------------------------------------

/** Whether a path input may be used; if not, the problem is added. */
function inside(v: BuildAmiValues, problems: Problems, files: InputFiles, name: string, p: string): boolean {
  try {
    files.resolve(p, v[Inputs.allowOutsideWorkspace] === true);
    return true;
  } catch (err) {
    problems.add(name, p, (err as Error).message);
    return false;
  }
}

const exists = (v: BuildAmiValues, files: InputFiles, p: string) =>
  files.exists(files.resolve(p, v[Inputs.allowOutsideWorkspace] === true));

export const packerTemplateExists =
  (files: InputFiles): AmiRule =>
  (v, problems, ctx) => {
    const template = rawOf(ctx, Inputs.template);
    if (!template) problems.add(Inputs.template, '', 'a Packer template path (engine "packer" needs one)');
    else if (inside(v, problems, files, Inputs.template, template) && !exists(v, files, template))
      problems.add(
        Inputs.template,
        template,
        'an existing template file or directory (relative to the workspace)',
      );
  };

export const varFilesExist =
  (files: InputFiles): AmiRule =>
  (v, problems) => {
    for (const f of v[Inputs.varFiles] ?? [])
      if (inside(v, problems, files, Inputs.varFiles, f) && !exists(v, files, f))
        problems.add(Inputs.varFiles, f, 'existing var files');
  };

const NATIVE_ONLY = [
  Inputs.baseAmi,
  Inputs.baseAmiFilters,
  Inputs.userData,
  Inputs.userDataFile,
  Inputs.ssmCommands,
  Inputs.ssmCommandsFile,
  Inputs.ssmDocument,
  Inputs.ssmParameters,
  Inputs.subnetId,
  Inputs.copyRegions,
];

export const nativeInputsOnPacker: AmiRule = (_v, problems, ctx) => {
  for (const p of NATIVE_ONLY)
    if (given(ctx, p))
      problems.add(
        p,
        rawOf(ctx, p),
        `nothing with engine "packer" (set it in the template; "${p}" is for engine "native")`,
      );
};

export const keepNeedsFamily: AmiRule = (_v, problems, ctx) => {
  if (given(ctx, Inputs.keep) && !given(ctx, Inputs.family))
    problems.add(
      Inputs.family,
      '',
      'a family with "keep" on engine "packer" (the images to keep are those of this family)',
    );
};

export const varsOrSecretVars: AmiRule = (v, problems) => {
  const both = Object.keys(v.vars ?? {}).filter((k) => k in (v[Inputs.secretVars] ?? {}));
  if (both.length)
    problems.add(Inputs.vars, both.join(', '), 'each variable in "vars" or "secret-vars", not both');
};

// --- both engines ------------------------------------------------------------------------------

export const copyRegionsOtherThanBuild =
  (env: NodeJS.ProcessEnv): AmiRule =>
  (v, problems, ctx) => {
    const region = rawOf(ctx, Inputs.region) || env.AWS_REGION || env.AWS_DEFAULT_REGION || '';
    if (!region || !isValidRegion(region)) return;
    for (const r of v[Inputs.copyRegions] ?? [])
      if (r === region) problems.add(Inputs.copyRegions, r, `regions other than the build region ${region}`);
  };

/** Every rule, in the order their problems are listed. */
export function buildAmiRules(world: RuleWorld): AmiRule[] {
  const { env, now, files } = world;
  return [
    ...onEngine('native', [
      oneBaseImage,
      userDataOrFile,
      filtersNeedOwners,
      nativeTakesNoTemplate,
      appNamed(env),
      ssmCommandsOrFile,
      ssmNeedsProfile,
      scriptFilesReadable(files),
      noCommandsParameterWithScript,
      runShellScriptHasScript(files),
      runShellScriptParameters,
      ssmParametersNeedSsm,
      provisioningGiven(files),
      userDataFits(files),
      shutdownNeedsShellScript(files),
      packerInputsOnNative,
      nameRenders(env, now),
    ]),
    ...onEngine('packer', [
      packerTemplateExists(files),
      varFilesExist(files),
      nativeInputsOnPacker,
      keepNeedsFamily,
      varsOrSecretVars,
    ]),
    copyRegionsOtherThanBuild(env),
  ];
}
