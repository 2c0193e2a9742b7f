// The only place build-ami's inputs are read: raw text -> typed, cross-checked BuildAmiInputs.
import fs from 'node:fs';
import {
  ALLOW_OUTSIDE_WORKSPACE,
  input,
  readInputs,
  readWorkspaceFile,
  workspaceInputs,
  workspacePath,
  type InputSource,
} from '@hac/toolkit';
import {
  awsInput,
  checkNameTemplate,
  defaultRunId,
  isShellScript,
  isValidRegion,
  nameVariables,
  NAME_TEMPLATE_EXPECTED,
  PACKER_VAR_NAME,
  renderName,
  RUN_SHELL_SCRIPT,
  RUN_SHELL_SCRIPT_PARAMETERS,
  scriptCommands,
  SSM_DOCUMENT,
  SSM_DOCUMENT_EXPECTED,
  USER_DATA_LIMIT,
  wrapUserData,
  type BuildAmiInputs,
  type SsmCommandSpec,
} from '@hac/aws';

export const Inputs = {
  engine: 'engine',
  region: 'region',
  endpoint: 'endpoint',
  maxAttempts: 'max-attempts',
  connectTimeout: 'connect-timeout',
  requestTimeout: 'request-timeout',
  runId: 'run-id',
  app: 'app',
  family: 'family',
  nameTemplate: 'name-template',
  description: 'description',
  baseAmi: 'base-ami',
  baseAmiFilters: 'base-ami-filters',
  baseAmiOwners: 'base-ami-owners',
  instanceType: 'instance-type',
  subnetId: 'subnet-id',
  securityGroupIds: 'security-group-ids',
  iamInstanceProfile: 'iam-instance-profile',
  userData: 'user-data',
  userDataFile: 'user-data-file',
  shutdown: 'shutdown',
  ssmCommands: 'ssm-commands',
  ssmCommandsFile: 'ssm-commands-file',
  ssmDocument: 'ssm-document',
  ssmParameters: 'ssm-parameters',
  volumeSize: 'volume-size',
  tags: 'tags',
  copyRegions: 'copy-regions',
  timeout: 'timeout',
  imageTimeout: 'image-timeout',
  keep: 'keep',
  template: 'template',
  varFiles: 'var-files',
  vars: 'vars',
  secretVars: 'secret-vars',
  packerPath: 'packer-path',
  packerInit: 'packer-init',
  only: 'only',
  except: 'except',
  allowOutsideWorkspace: ALLOW_OUTSIDE_WORKSPACE,
} as const;

const isFilters = (v: unknown): v is Record<string, string | string[]> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every(
    (x) => typeof x === 'string' || (Array.isArray(x) && x.every((y) => typeof y === 'string')),
  );

const isScalar = (x: unknown) => ['string', 'number', 'boolean'].includes(typeof x);
const isParameters = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.keys(v).every((k) => /^[A-Za-z0-9_.-]{1,128}$/.test(k)) &&
  Object.values(v).every((x) => isScalar(x) || (Array.isArray(x) && x.every(isScalar)));

const OWNER = /^(self|amazon|aws-marketplace|aws-backup-vault|\d{12})$/;
const PROFILE = /^(arn:aws[a-z-]*:iam::\d{12}:instance-profile\/[\w+=,.@/-]{1,128}|[\w+=,.@-]{1,128})$/;

export const spec = {
  [Inputs.engine]: input.oneOf(['native', 'packer'] as const, 'native'),
  [Inputs.region]: awsInput.region(),
  [Inputs.endpoint]: awsInput.endpoint(),
  [Inputs.maxAttempts]: input.integer({ min: 1, max: 20, default: 6 }),
  [Inputs.connectTimeout]: awsInput.connectTimeout(),
  [Inputs.requestTimeout]: awsInput.requestTimeout(),
  [Inputs.runId]: input.string({
    pattern: /^[\w./:@+=-]{1,200}$/,
    expected: 'up to 200 letters, digits and . / : @ + = _ -',
  }),
  [Inputs.app]: input.string({
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
    expected: 'an app name of letters, digits, . _ - (up to 63)',
  }),
  [Inputs.family]: input.string({
    pattern: /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/,
    expected: 'a family tag value of letters, digits, . _ : / - (up to 128)',
  }),
  [Inputs.nameTemplate]: input.map(
    input.string({ default: '{{app}}-{{timestamp}}-{{sha}}' }),
    (t) => {
      if (!checkNameTemplate(t)) throw new Error('bad template');
      return t;
    },
    NAME_TEMPLATE_EXPECTED,
  ),
  [Inputs.description]: input.string({
    pattern: /^[^\n]{0,255}$/,
    expected: 'one line of up to 255 characters',
  }),
  [Inputs.baseAmi]: awsInput.id('ami'),
  [Inputs.baseAmiFilters]: input.structured({
    expected:
      'a YAML map of DescribeImages filter names to a value or a list, e.g. {name: "ubuntu/images/*24.04*", architecture: x86_64}',
    check: isFilters,
  }),
  [Inputs.baseAmiOwners]: input.list({
    item: input.string({ pattern: OWNER }),
    expected: 'a list of owners: self, amazon, aws-marketplace or 12-digit account ids',
  }),
  [Inputs.instanceType]: input.string({
    default: 't3.micro',
    pattern: /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/,
    expected: 'an instance type such as t3.micro',
  }),
  [Inputs.subnetId]: awsInput.id('subnet'),
  [Inputs.securityGroupIds]: awsInput.ids('securityGroup'),
  [Inputs.iamInstanceProfile]: input.string({
    pattern: PROFILE,
    expected: 'an instance profile name or ARN',
  }),
  [Inputs.userData]: input.string({ trim: false, expected: 'a provisioning script' }),
  [Inputs.userDataFile]: input.string({ expected: 'a path to a provisioning script' }),
  [Inputs.shutdown]: input.boolean(true),
  [Inputs.ssmCommands]: input.string({ trim: false, expected: 'a shell script for AWS-RunShellScript' }),
  [Inputs.ssmCommandsFile]: input.string({ expected: 'a path to a shell script for AWS-RunShellScript' }),
  [Inputs.ssmDocument]: input.string({ pattern: SSM_DOCUMENT, expected: SSM_DOCUMENT_EXPECTED }),
  [Inputs.ssmParameters]: input.structured({
    expected:
      'a YAML map of document parameter names to a value or a list of values, e.g. {workingDirectory: /opt/app}',
    check: isParameters,
  }),
  [Inputs.volumeSize]: input.optional(input.integer({ min: 1, max: 16384 })),
  [Inputs.tags]: awsInput.tags(),
  [Inputs.copyRegions]: awsInput.regions(),
  [Inputs.timeout]: input.duration({ default: '30m', min: '1m', max: '6h' }),
  [Inputs.imageTimeout]: input.duration({ default: '60m', min: '1m', max: '12h' }),
  [Inputs.keep]: input.optional(input.integer({ min: 1, max: 1000 })),
  [Inputs.template]: input.string({
    expected: 'a path to a Packer template (.pkr.hcl, .pkr.json, .json) or a directory',
  }),
  [Inputs.varFiles]: input.list({ expected: 'a list of paths to .pkrvars.hcl or .json var files' }),
  [Inputs.vars]: awsInput.keyValues(PACKER_VAR_NAME),
  [Inputs.secretVars]: { ...awsInput.keyValues(PACKER_VAR_NAME), secret: true },
  [Inputs.packerPath]: input.string({ default: 'packer' }),
  [Inputs.packerInit]: input.oneOf(['auto', 'always', 'never'] as const, 'auto'),
  [Inputs.only]: input.list(),
  [Inputs.except]: input.list(),
  ...workspaceInputs,
};

export interface Context {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  now?: Date;
}

/** Reads and checks every input; one InputError lists every problem. No AWS call happens here. */
export function getInputs(source: InputSource, ctx: Context = {}): BuildAmiInputs {
  const env = ctx.env ?? process.env;
  const where = { root: ctx.cwd, env, allowOutside: false };
  /** A path input inside the workspace (or anywhere, with allow-paths-outside-workspace: true). */
  const resolve = (p: string) => workspacePath(p, where);
  let userData = '';
  let ssmScript = '';
  let ssmDocument = '';
  // The engine decides which inputs apply: a wrong engine is reported alone, not with their errors.
  readInputs({ [Inputs.engine]: spec[Inputs.engine] }, source);
  const v = readInputs(spec, source, (v, problems, { raw, failed }) => {
    const given = (name: string) => raw(name).trim() !== '';
    where.allowOutside = v[Inputs.allowOutsideWorkspace];
    /** Whether a path input resolves inside the workspace; if not, the problem is added. */
    const inside = (name: string, p: string): boolean => {
      try {
        resolve(p);
        return true;
      } catch (err) {
        problems.add(name, p, (err as Error).message);
        return false;
      }
    };
    const exclusive = (a: string, b: string) => {
      if (given(a) && given(b))
        problems.add(b, raw(b).trim(), `not both "${a}" and "${b}": give one of them`);
    };
    /** The text of an inline input, or of the workspace file its *-file twin names. */
    const unreadable = new Set<string>();
    const inlineOrFile = (inline: string, fileInput: string): string => {
      if (!given(fileInput)) return given(inline) ? raw(inline) : '';
      if (failed.has(fileInput)) return '';
      try {
        return readWorkspaceFile(raw(fileInput).trim(), where).text;
      } catch (err) {
        problems.add(fileInput, raw(fileInput).trim(), (err as Error).message);
        unreadable.add(fileInput);
        return '';
      }
    };
    if (v.engine === 'native') {
      exclusive(Inputs.baseAmi, Inputs.baseAmiFilters);
      exclusive(Inputs.userData, Inputs.userDataFile);
      if (!given(Inputs.baseAmi) && !given(Inputs.baseAmiFilters))
        problems.add(
          Inputs.baseAmi,
          '',
          'an AMI id, or "base-ami-filters" with "base-ami-owners" (engine "native" needs a base image)',
        );
      if (given(Inputs.baseAmiFilters) && !given(Inputs.baseAmiOwners))
        problems.add(
          Inputs.baseAmiOwners,
          '',
          'owners for "base-ami-filters" (e.g. amazon or an account id): filters without owners match anyone\'s images',
        );
      if (given(Inputs.template))
        problems.add(
          Inputs.template,
          raw(Inputs.template).trim(),
          'no template with engine "native" (set engine: packer to use it)',
        );
      if (!given(Inputs.app) && !env.GITHUB_REPOSITORY)
        problems.add(Inputs.app, '', 'an app name (used in the AMI name and family tag)');
      exclusive(Inputs.ssmCommands, Inputs.ssmCommandsFile);
      const ssm = given(Inputs.ssmCommands) || given(Inputs.ssmCommandsFile) || given(Inputs.ssmDocument);
      if (ssm) {
        ssmDocument = v['ssm-document'] || RUN_SHELL_SCRIPT;
        if (!given(Inputs.iamInstanceProfile))
          problems.add(
            Inputs.iamInstanceProfile,
            '',
            'an instance profile with the AmazonSSMManagedInstanceCore policy (SSM Run Command provisioning needs one)',
          );
        ssmScript = inlineOrFile(Inputs.ssmCommands, Inputs.ssmCommandsFile);
        const params = (v['ssm-parameters'] ?? {}) as Record<string, unknown>;
        if ('commands' in params && (given(Inputs.ssmCommands) || given(Inputs.ssmCommandsFile)))
          problems.add(
            Inputs.ssmParameters,
            'commands',
            'no "commands" parameter when "ssm-commands" or "ssm-commands-file" gives the script',
          );
        if (ssmDocument === RUN_SHELL_SCRIPT) {
          if (
            !ssmScript.trim() &&
            !('commands' in params) &&
            !failed.has(Inputs.ssmCommandsFile) &&
            !unreadable.has(Inputs.ssmCommandsFile)
          )
            problems.add(
              Inputs.ssmCommands,
              '',
              `a shell script in "ssm-commands" or "ssm-commands-file" (the ${RUN_SHELL_SCRIPT} document runs it)`,
            );
          const known: readonly string[] = RUN_SHELL_SCRIPT_PARAMETERS;
          for (const name of Object.keys(params))
            if (!known.includes(name))
              problems.add(
                Inputs.ssmParameters,
                name,
                `parameters of ${RUN_SHELL_SCRIPT}: ${RUN_SHELL_SCRIPT_PARAMETERS.join(', ')}`,
              );
        }
      } else if (given(Inputs.ssmParameters))
        problems.add(
          Inputs.ssmParameters,
          raw(Inputs.ssmParameters).trim(),
          'nothing without "ssm-commands", "ssm-commands-file" or "ssm-document" (the parameters are for SSM Run Command)',
        );
      userData = inlineOrFile(Inputs.userData, Inputs.userDataFile);
      if (!userData.trim()) {
        if (!ssm && !failed.has(Inputs.userDataFile) && !unreadable.has(Inputs.userDataFile))
          problems.add(
            Inputs.userData,
            '',
            'a provisioning script in "user-data" or "user-data-file" (it must power the instance off when done, or set shutdown: true), or SSM Run Command with "ssm-commands" and "iam-instance-profile"',
          );
      } else if (ssm) {
        // With SSM the user data runs at boot as given (e.g. to install the agent); build-ami stops the instance.
        if (Buffer.byteLength(userData) > USER_DATA_LIMIT)
          problems.add(
            given(Inputs.userDataFile) ? Inputs.userDataFile : Inputs.userData,
            `${Buffer.byteLength(userData)} bytes`,
            `at most ${USER_DATA_LIMIT} bytes of user data`,
          );
      } else if (v.shutdown && !isShellScript(userData))
        problems.add(
          Inputs.shutdown,
          'true',
          'false for cloud-config or MIME user data (build-ami can only add the power-off to a shell script; yours must power off itself)',
        );
      else if (
        Buffer.byteLength(v.shutdown ? wrapUserData(userData, () => '0'.repeat(16)) : userData) >
        USER_DATA_LIMIT
      )
        problems.add(
          given(Inputs.userDataFile) ? Inputs.userDataFile : Inputs.userData,
          `${Buffer.byteLength(userData)} bytes`,
          `at most ${USER_DATA_LIMIT} bytes of user data (with build-ami's wrapper); fetch larger scripts from S3 instead`,
        );
      for (const p of [Inputs.varFiles, Inputs.vars, Inputs.secretVars, Inputs.only, Inputs.except])
        if (given(p))
          problems.add(
            p,
            p === Inputs.secretVars ? '***' : raw(p).trim(),
            `nothing with engine "native" ("${p}" is for engine "packer")`,
          );
    } else {
      if (!given(Inputs.template))
        problems.add(Inputs.template, '', 'a Packer template path (engine "packer" needs one)');
      else if (
        inside(Inputs.template, raw(Inputs.template).trim()) &&
        !fs.existsSync(resolve(raw(Inputs.template).trim()))
      )
        problems.add(
          Inputs.template,
          raw(Inputs.template).trim(),
          'an existing template file or directory (relative to the workspace)',
        );
      for (const f of v['var-files'] ?? [])
        if (inside(Inputs.varFiles, f) && !fs.existsSync(resolve(f)))
          problems.add(Inputs.varFiles, f, 'existing var files');
      for (const p of [
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
      ])
        if (given(p))
          problems.add(
            p,
            raw(p).trim(),
            `nothing with engine "packer" (set it in the template; "${p}" is for engine "native")`,
          );
      if (given(Inputs.keep) && !given(Inputs.family))
        problems.add(
          Inputs.family,
          '',
          'a family with "keep" on engine "packer" (the images to keep are those of this family)',
        );
      const both = Object.keys(v.vars ?? {}).filter((k) => k in (v['secret-vars'] ?? {}));
      if (both.length)
        problems.add(Inputs.vars, both.join(', '), 'each variable in "vars" or "secret-vars", not both');
    }
    const region = raw(Inputs.region).trim() || env.AWS_REGION || env.AWS_DEFAULT_REGION || '';
    if (region && isValidRegion(region)) {
      for (const r of v['copy-regions'] ?? [])
        if (r === region)
          problems.add(Inputs.copyRegions, r, `regions other than the build region ${region}`);
    }
    if (!failed.has(Inputs.nameTemplate) && v.engine === 'native') {
      try {
        renderName(v['name-template'], nameVariables(v.app || 'app', ctx.now ?? new Date(), env));
      } catch (err) {
        problems.add(Inputs.nameTemplate, raw(Inputs.nameTemplate).trim(), (err as Error).message);
      }
    }
  });
  const app = v.app || (env.GITHUB_REPOSITORY ?? '').split('/').pop() || 'app';
  const family = v.family || app;
  const common = {
    engine: v.engine,
    region: v.region,
    endpoint: v.endpoint,
    maxAttempts: v['max-attempts'],
    connectTimeoutMs: v['connect-timeout'],
    requestTimeoutMs: v['request-timeout'],
    runId: v['run-id'] || defaultRunId(env),
    keep: v.keep,
    family,
  };
  if (v.engine === 'packer') {
    return {
      ...common,
      packer: {
        template: resolve(v.template),
        varFiles: v['var-files'].map(resolve),
        vars: v.vars,
        secretVars: v['secret-vars'],
        only: v.only,
        except: v.except,
        onError: 'cleanup',
        force: false,
        init: v['packer-init'],
        path: v['packer-path'],
      },
    };
  }
  const filters = v['base-ami-filters'] as Record<string, string | string[]> | undefined;
  return {
    ...common,
    native: {
      app,
      base: v['base-ami']
        ? { id: v['base-ami'] }
        : {
            filters: Object.fromEntries(
              Object.entries(filters ?? {}).map(([k, x]) => [k, Array.isArray(x) ? x : [x]]),
            ),
            owners: v['base-ami-owners'],
          },
      instanceType: v['instance-type'],
      ...(v['subnet-id'] ? { subnetId: v['subnet-id'] } : {}),
      ...(v['iam-instance-profile'] ? { instanceProfile: v['iam-instance-profile'] } : {}),
      securityGroupIds: v['security-group-ids'],
      userData: v.shutdown && !ssmDocument ? wrapUserData(userData) : userData,
      ...(ssmDocument ? { ssm: ssmSpec(ssmDocument, ssmScript, v['ssm-parameters']) } : {}),
      ...(v['volume-size'] ? { volumeSizeGb: v['volume-size'] } : {}),
      name: renderName(v['name-template'], nameVariables(app, ctx.now ?? new Date(), env)),
      description:
        v.description ||
        `Built by hac build-ami from ${env.GITHUB_REPOSITORY ?? 'a local run'}@${(env.GITHUB_SHA ?? 'local').slice(0, 7)}`,
      tags: v.tags,
      copyRegions: v['copy-regions'],
      provisionTimeoutMs: v.timeout,
      imageTimeoutMs: v['image-timeout'],
    },
  };
}

/** The SSM command: the document, its parameters as lists of strings, and the script as `commands`. */
function ssmSpec(document: string, script: string, params: unknown): SsmCommandSpec {
  const parameters: Record<string, string[]> = Object.fromEntries(
    Object.entries((params ?? {}) as Record<string, unknown>).map(([k, x]) => [
      k,
      (Array.isArray(x) ? x : [x]).map(String),
    ]),
  );
  if (script.trim()) parameters.commands = scriptCommands(script);
  return { document, parameters };
}
