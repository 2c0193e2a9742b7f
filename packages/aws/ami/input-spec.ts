// build-ami's inputs: their names and how each one is parsed on its own. The cross-input rules
// are in input-rules.ts, the resolving (files, the AMI name) in input-resolve.ts.
import { ALLOW_OUTSIDE_WORKSPACE, input, workspaceInputs, type Values } from '@hac/toolkit';
import * as awsInput from '../inputs.js';
import { PACKER_VAR_NAME } from '../packer/args.js';
import { checkNameTemplate, NAME_TEMPLATE_EXPECTED } from './name.js';
import { SSM_DOCUMENT, SSM_DOCUMENT_EXPECTED } from './ssm-spec.js';

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

/** The inputs once each is parsed on its own (before the cross-input rules). */
export type BuildAmiValues = Values<typeof spec>;
