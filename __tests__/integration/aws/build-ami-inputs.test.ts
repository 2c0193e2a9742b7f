// Bad input gets one clear error before any AWS write call: proved with the fault proxy's request log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { InputError } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { runBuildAmi } from '../../../packages/aws/ami/action.js';
import { readBuildAmiInputs } from '../../../packages/aws/ami/inputs.js';
import { isWriteAction } from '../../support/fault-proxy.js';
import { awsSandbox, motoBaseAmi, testRunId, type AwsSandbox } from '../../support/aws.js';

let sb: AwsSandbox;
let baseAmi: string;
let dir: string;

beforeAll(async () => {
  sb = await awsSandbox();
  baseAmi = (await motoBaseAmi(sb.independent())).id;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-build-ami-inputs-'));
  fs.writeFileSync(path.join(dir, 'provision.sh'), '#!/bin/bash\necho ok\n');
  fs.writeFileSync(path.join(dir, 'cloud.yaml'), '#cloud-config\nruncmd: [echo]\n');
  fs.writeFileSync(path.join(dir, 'big.sh'), `#!/bin/bash\n${'echo padding-padding-padding\n'.repeat(700)}`);
  fs.writeFileSync(path.join(dir, 't.pkr.hcl'), 'source "null" "x" { communicator = "none" }\n');
  fs.symlinkSync('/etc/os-release', path.join(dir, 'os-release.sh'));
});
afterAll(async () => {
  await sb.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const good = (): Record<string, string> => ({
  app: 'web',
  'base-ami': baseAmi,
  'user-data': '#!/bin/bash\necho hi\n',
  region: 'us-east-1',
});

/** SSM Run Command provisioning instead of user data. */
const ssm = (): Record<string, string> => ({
  'user-data': '',
  'iam-instance-profile': 'hac-build',
  'ssm-commands': 'echo provision',
});

async function attempt(raw: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  sb.proxy.clearLog();
  const state = memoryState();
  const fullEnv = { ...sb.env, ...env };
  try {
    const inputs = readBuildAmiInputs((n) => raw[n] ?? '', { env: fullEnv, cwd: dir });
    await runBuildAmi(inputs, {
      env: fullEnv,
      credentials: sb.credentials,
      state,
      setOutputs: () => {},
      writeSummary: async () => {},
      log: () => {},
    });
    return { error: undefined, writes: writes() };
  } catch (error) {
    return { error: error as Error, writes: writes() };
  }
}
const writes = () => sb.proxy.actions().filter(isWriteAction);

describe('build-ami bad inputs: one clear InputError, zero AWS requests', () => {
  test.each<[string, Record<string, string>, string, RegExp]>([
    ['malformed base AMI id', { 'base-ami': 'ami-XYZ' }, 'base-ami', /an AMI id such as ami-/],
    ['base AMI of another kind', { 'base-ami': 'i-0123456789abcdef0' }, 'base-ami', /AMI id/],
    ['malformed subnet id', { 'subnet-id': 'subnet-12' }, 'subnet-id', /subnet id/],
    [
      'malformed security group in list',
      { 'security-group-ids': 'sg-0123456789abcdef0, sg-nope' },
      'security-group-ids',
      /list of ids like sg-0123456789abcdef0/,
    ],
    ['unknown region', { region: 'us-east-9' }, 'region', /known AWS region/],
    ['region of bad form', { region: 'US East' }, 'region', /known AWS region/],
    ['unknown copy region', { 'copy-regions': 'eu-west-1, mars-north-1' }, 'copy-regions', /AWS regions/],
    [
      'copy region equal to the build region',
      { 'copy-regions': 'us-east-1' },
      'copy-regions',
      /other than the build region/,
    ],
    ['keep below 1', { keep: '0' }, 'keep', /integer from 1 to 1000/],
    ['keep not a number', { keep: 'three' }, 'keep', /integer/],
    [
      'base-ami and base-ami-filters together',
      { 'base-ami-filters': 'name: ubuntu*', 'base-ami-owners': 'amazon' },
      'base-ami-filters',
      /not both/,
    ],
    ['neither base-ami nor filters', { 'base-ami': '' }, 'base-ami', /needs a base image/],
    [
      'filters without owners',
      { 'base-ami': '', 'base-ami-filters': 'name: ubuntu*' },
      'base-ami-owners',
      /owners/,
    ],
    [
      'filters not a map',
      { 'base-ami': '', 'base-ami-filters': '[a, b]', 'base-ami-owners': 'amazon' },
      'base-ami-filters',
      /YAML map/,
    ],
    [
      'bad owner',
      { 'base-ami': '', 'base-ami-filters': 'name: x', 'base-ami-owners': 'someone' },
      'base-ami-owners',
      /12-digit/,
    ],
    [
      'user-data and user-data-file together',
      { 'user-data-file': 'provision.sh' },
      'user-data-file',
      /not both/,
    ],
    [
      'missing user-data file',
      { 'user-data': '', 'user-data-file': 'nope.sh' },
      'user-data-file',
      /existing file/,
    ],
    ['no provisioning script', { 'user-data': '' }, 'user-data', /provisioning script/],
    [
      'user-data-file outside the workspace',
      { 'user-data': '', 'user-data-file': '/etc/os-release' },
      'user-data-file',
      /a path inside the workspace .*"\/etc\/os-release" resolves outside it/,
    ],
    [
      'user-data-file reaching out with ..',
      { 'user-data': '', 'user-data-file': '../../../../../etc/shadow' },
      'user-data-file',
      /resolves outside it .*allow-paths-outside-workspace: true/,
    ],
    [
      'user-data-file that is a symlink out of the workspace',
      { 'user-data': '', 'user-data-file': 'os-release.sh' },
      'user-data-file',
      /through a symlink to \/.*os-release\)/,
    ],
    [
      'ssm-commands-file outside the workspace',
      { ...ssm(), 'ssm-commands': '', 'ssm-commands-file': '/etc/hostname' },
      'ssm-commands-file',
      /a path inside the workspace/,
    ],
    [
      'packer template outside the workspace',
      { engine: 'packer', 'base-ami': '', 'user-data': '', template: '/etc' },
      'template',
      /a path inside the workspace/,
    ],
    [
      'packer var file outside the workspace',
      { engine: 'packer', 'base-ami': '', 'user-data': '', template: 't.pkr.hcl', 'var-files': '../x.json' },
      'var-files',
      /a path inside the workspace/,
    ],
    [
      'cloud-config with shutdown wrapper',
      { 'user-data': '', 'user-data-file': 'cloud.yaml' },
      'shutdown',
      /cloud-config/,
    ],
    [
      'user data over 16 KB',
      { 'user-data': '', 'user-data-file': 'big.sh' },
      'user-data-file',
      /at most 16384 bytes/,
    ],
    ['bad duration', { timeout: '10 minutes' }, 'timeout', /duration/],
    ['duration over the maximum', { 'image-timeout': '13h' }, 'image-timeout', /at most 12h/],
    ['unknown name placeholder', { 'name-template': '{{app}}-{{branch}}' }, 'name-template', /placeholders/],
    ['illegal character in name', { 'name-template': '{{app}}#{{sha}}' }, 'name-template', /name template/],
    [
      'name too long once rendered',
      { 'name-template': `${'n'.repeat(120)}-{{timestamp}}` },
      'name-template',
      /3-128 characters/,
    ],
    ['bad instance type', { 'instance-type': 'large' }, 'instance-type', /instance type/],
    ['bad max-attempts', { 'max-attempts': '0' }, 'max-attempts', /from 1 to 20/],
    ['bad endpoint', { endpoint: 'ftp://x' }, 'endpoint', /http\(s\) URL/],
    ['bad tag', { tags: 'aws:reserved=1' }, 'tags', /tags as Key=Value/],
    ['bad volume size', { 'volume-size': '-5' }, 'volume-size', /integer/],
    ['unknown engine', { engine: 'docker' }, 'engine', /"native", "packer"/],
    [
      'packer without template',
      { engine: 'packer', 'base-ami': '', 'user-data': '' },
      'template',
      /Packer template/,
    ],
    [
      'packer with missing template',
      { engine: 'packer', 'base-ami': '', 'user-data': '', template: 'missing.pkr.hcl' },
      'template',
      /existing template/,
    ],
    [
      'packer with missing var file',
      {
        engine: 'packer',
        'base-ami': '',
        'user-data': '',
        template: 't.pkr.hcl',
        'var-files': 'nope.pkrvars.hcl',
      },
      'var-files',
      /existing var files/,
    ],
    [
      'packer with native-only inputs',
      { engine: 'packer', 'user-data': '', template: 't.pkr.hcl' },
      'base-ami',
      /engine "packer"/,
    ],
    [
      'packer var of bad name',
      { engine: 'packer', 'base-ami': '', 'user-data': '', template: 't.pkr.hcl', vars: '1bad=x' },
      'vars',
      /name=value/,
    ],
    ['native with a template', { template: 't.pkr.hcl' }, 'template', /engine "native"/],
    [
      'SSM commands without an instance profile',
      { 'user-data': '', 'ssm-commands': 'apt-get install -y nginx' },
      'iam-instance-profile',
      /AmazonSSMManagedInstanceCore/,
    ],
    [
      'ssm-commands and ssm-commands-file together',
      { ...ssm(), 'ssm-commands-file': 'provision.sh' },
      'ssm-commands-file',
      /not both/,
    ],
    [
      'missing ssm-commands file',
      { ...ssm(), 'ssm-commands': '', 'ssm-commands-file': 'nope.sh' },
      'ssm-commands-file',
      /existing file/,
    ],
    [
      'AWS-RunShellScript without a script',
      { ...ssm(), 'ssm-commands': '', 'ssm-document': 'AWS-RunShellScript' },
      'ssm-commands',
      /shell script/,
    ],
    [
      'unknown parameter of AWS-RunShellScript',
      { ...ssm(), 'ssm-parameters': 'workingDir: /opt' },
      'ssm-parameters',
      /commands, workingDirectory, executionTimeout/,
    ],
    [
      'a commands parameter beside ssm-commands',
      { ...ssm(), 'ssm-parameters': 'commands: [echo]' },
      'ssm-parameters',
      /no "commands" parameter/,
    ],
    [
      'ssm-parameters not a map of values',
      { ...ssm(), 'ssm-parameters': 'a: {b: c}' },
      'ssm-parameters',
      /YAML map of document parameter names/,
    ],
    [
      'bad SSM document name',
      { ...ssm(), 'ssm-document': 'my doc!' },
      'ssm-document',
      /SSM Command document/,
    ],
    [
      'ssm-parameters without SSM provisioning',
      { 'ssm-parameters': 'workingDirectory: /opt' },
      'ssm-parameters',
      /nothing without "ssm-commands"/,
    ],
    [
      'packer with SSM inputs',
      { engine: 'packer', 'base-ami': '', 'user-data': '', template: 't.pkr.hcl', 'ssm-commands': 'echo' },
      'ssm-commands',
      /engine "packer"/,
    ],
  ])('%s', async (_title, over, inputName, expected) => {
    const { error, writes } = await attempt({ ...good(), ...over });
    expect(error).toBeInstanceOf(InputError);
    const problem = (error as InputError).problems.find((p) => p.input === inputName);
    expect(problem).toBeDefined();
    expect(`${problem?.expected}`).toMatch(expected);
    expect(error?.message).toContain(`input "${inputName}"`);
    expect(sb.proxy.requests).toEqual([]);
    expect(writes).toEqual([]);
  });

  test.each([
    ['user-data-file', { 'user-data': '', 'user-data-file': '/etc/os-release' }],
    ['user-data-file', { 'user-data': '', 'user-data-file': 'missing.sh' }],
    ['ssm-commands-file', { ...ssm(), 'ssm-commands': '', 'ssm-commands-file': '/etc/hostname' }],
  ])(
    'one mistake, one error: an unreadable %s is not also reported as a missing script',
    async (name, over) => {
      const { error } = await attempt({ ...good(), ...over });
      expect((error as InputError).problems.map((p) => p.input)).toEqual([name]);
    },
  );

  test('allow-paths-outside-workspace: true reads a user-data-file outside it', () => {
    const read = (allow: string) =>
      readBuildAmiInputs(
        (n) =>
          ({
            ...good(),
            'user-data': '',
            'user-data-file': '/etc/os-release',
            shutdown: 'false',
            'allow-paths-outside-workspace': allow,
          })[n] ?? '',
        { env: sb.env, cwd: dir },
      );
    expect(read('true').native?.userData).toBe(fs.readFileSync('/etc/os-release', 'utf8'));
    expect(() => read('false')).toThrow(/resolves outside it/);
    // The error names the path, never the file's content.
    expect(() => read('false')).not.toThrow(/PRETTY_NAME|ID=/);
  });

  test('secret vars are shown as *** in the error', async () => {
    const { error } = await attempt({
      engine: 'packer',
      template: 't.pkr.hcl',
      'secret-vars': 'token=hunter2\nbad line',
    });
    expect(error?.message).toContain('input "secret-vars": got "***"');
    expect(error?.message).not.toContain('hunter2');
  });

  test('a NUL in a secret var value is an input error, the value redacted; a tab passes through', async () => {
    const { error } = await attempt({
      engine: 'packer',
      template: 't.pkr.hcl',
      'secret-vars': 'token=hun\u0000ter2',
    });
    expect(error?.message).toContain('input "secret-vars": got "***"');
    expect(error?.message).toContain('values without NUL characters');
    expect(error?.message).not.toContain('ter2');
    const read = readBuildAmiInputs(
      (n) => ({ engine: 'packer', template: 't.pkr.hcl', 'secret-vars': 'token=a\tb' })[n] ?? '',
      { env: sb.env, cwd: dir },
    );
    expect(JSON.stringify(read)).toContain('"token":"a\\tb"');
  });

  test('several problems are listed together', async () => {
    const { error } = await attempt({ ...good(), 'base-ami': 'ami-1', keep: '0', timeout: 'soon' });
    expect((error as InputError).problems.map((p) => p.input).sort()).toEqual([
      'base-ami',
      'keep',
      'timeout',
    ]);
  });
});

describe('build-ami problems found by preflight: a clear error and reads only', () => {
  test.each<[string, Record<string, string>, NodeJS.ProcessEnv, RegExp]>([
    ['no region anywhere', { region: '' }, { AWS_REGION: '', AWS_DEFAULT_REGION: '' }, /No AWS region/],
    [
      'unknown region from AWS_REGION',
      { region: '' },
      { AWS_REGION: 'xx-nowhere-1' },
      /Unknown AWS region "xx-nowhere-1" \(from AWS_REGION\)/,
    ],
    [
      'base AMI that does not exist',
      { 'base-ami': 'ami-0123456789abcdef0' },
      {},
      /DescribeImages ami-0123456789abcdef0 failed: InvalidAMIID/,
    ],
    [
      'subnet that does not exist',
      { 'subnet-id': 'subnet-0123456789abcdef0' },
      {},
      /DescribeSubnets subnet-0123456789abcdef0 failed/,
    ],
    [
      'filters that match nothing',
      { 'base-ami': '', 'base-ami-filters': 'name: no-such-image-*', 'base-ami-owners': 'amazon' },
      {},
      /No available AMI matches/,
    ],
  ])('%s', async (_t, over, env, expected) => {
    const { error, writes } = await attempt({ ...good(), 'run-id': testRunId('pre'), ...over }, env);
    expect(error?.message).toMatch(expected);
    expect(writes).toEqual([]);
  });
});
