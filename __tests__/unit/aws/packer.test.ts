import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import {
  amisOf,
  parseMachineLine,
  parseMachineLog,
  unescapeField,
} from '../../../packages/aws/packer/machine.js';
import {
  packerBuildArgs,
  packerEnv,
  shouldInit,
  type PackerSpec,
} from '../../../packages/aws/packer/args.js';

const fixture = (name: string) =>
  fs.readFileSync(
    path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'packer', name),
    'utf8',
  );

const spec = (over: Partial<PackerSpec> = {}): PackerSpec => ({
  template: 't.pkr.hcl',
  varFiles: [],
  vars: {},
  secretVars: {},
  only: [],
  except: [],
  onError: 'cleanup',
  force: false,
  init: 'auto',
  ...over,
});

describe('packer machine-readable parsing', () => {
  test('the recorded amazon-ebs log gives one AMI per region', () => {
    const out = parseMachineLog(fixture('amazon-ebs-machine-readable.log'));
    expect(out.amis).toEqual({
      'eu-west-1': 'ami-0a7d5e4c3b2a19087',
      'us-east-1': 'ami-0f3a9b8c7d6e5f401',
      'us-west-2': 'ami-0b8e6d4c2a0f1e3d5',
    });
    expect(out.artifacts).toHaveLength(1);
    expect(out.artifacts[0]).toMatchObject({
      builder: 'amazon-ebs.web',
      builderId: 'mitchellh.amazonebs',
      index: 0,
    });
    expect(out.artifacts[0]?.string).toContain('AMIs were created:\neu-west-1: ami-0a7d5e4c3b2a19087');
    expect(out.errors).toEqual([]);
    expect(out.messages.find((m) => m.text.includes('Reading package lists'))?.text).toContain(
      'lists..., done',
    );
  });

  test.each([
    [
      '1718032139,amazon-ebs.web,artifact,0,id,us-east-1:ami-0abc',
      {
        timestamp: 1718032139,
        target: 'amazon-ebs.web',
        type: 'artifact',
        data: ['0', 'id', 'us-east-1:ami-0abc'],
      },
    ],
    ['1,,ui,say,a%!(PACKER_COMMA) b\\nc', { timestamp: 1, target: '', type: 'ui', data: ['say', 'a, b\nc'] }],
    ['not machine readable', undefined],
    ['abc,x,ui,say', undefined],
  ])('parseMachineLine(%j)', (line, expected) => {
    expect(parseMachineLine(line)).toEqual(expected);
  });

  test.each([
    ['us-east-1:ami-0abc,eu-west-1:ami-0def', { 'us-east-1': 'ami-0abc', 'eu-west-1': 'ami-0def' }],
    ['us-gov-west-1:ami-01234567', { 'us-gov-west-1': 'ami-01234567' }],
    ['Null', {}],
    ['File', {}],
    [undefined, {}],
  ])('amisOf(%j)', (id, expected) => {
    expect(amisOf(id)).toEqual(expected);
  });

  test('errors and multiple builders', () => {
    const log = [
      '1,amazon-ebs.a,artifact,0,id,us-east-1:ami-0aaa',
      '1,amazon-ebs.b,artifact,0,id,eu-west-1:ami-0bbb',
      '2,,ui,error,Build x errored: boom',
      '2,amazon-ebs.c,error,kaput',
    ].join('\n');
    const out = parseMachineLog(log);
    expect(out.amis).toEqual({ 'us-east-1': 'ami-0aaa', 'eu-west-1': 'ami-0bbb' });
    expect(out.errors).toEqual(['Build x errored: boom', 'kaput']);
  });

  test('unescapeField', () => {
    expect(unescapeField('a%!(PACKER_COMMA)b\\n')).toBe('a,b\n');
  });
});

describe('packer arguments', () => {
  test.each<[Partial<PackerSpec>, string[]]>([
    [{}, ['build', '-machine-readable', '-color=false', '-on-error=cleanup', 't.pkr.hcl']],
    [
      { varFiles: ['a.pkrvars.hcl'], vars: { region: 'us-east-1', list: 'a,b=c' } },
      [
        'build',
        '-machine-readable',
        '-color=false',
        '-on-error=cleanup',
        '-var-file=a.pkrvars.hcl',
        '-var',
        'region=us-east-1',
        '-var',
        'list=a,b=c',
        't.pkr.hcl',
      ],
    ],
    [
      { only: ['amazon-ebs.web'], except: ['x'], force: true },
      [
        'build',
        '-machine-readable',
        '-color=false',
        '-on-error=cleanup',
        '-force',
        '-only=amazon-ebs.web',
        '-except=x',
        't.pkr.hcl',
      ],
    ],
  ])('packerBuildArgs(%j)', (over, args) => {
    expect(packerBuildArgs(spec(over))).toEqual(args);
  });

  test('secret variables go to PKR_VAR_ env vars, never argv', () => {
    const s = spec({ secretVars: { token: 'hunter2' }, vars: { a: '1' } });
    expect(packerBuildArgs(s).join(' ')).not.toContain('hunter2');
    expect(packerEnv(s, {}).PKR_VAR_token).toBe('hunter2');
  });

  test.each<[Partial<PackerSpec>, string | undefined, boolean]>([
    [{}, '1.6.6', false],
    [{}, '1.7.0', true],
    [{}, '1.11.2', true],
    [{ template: 't.json' }, '1.11.2', false],
    [{ init: 'never' }, '1.11.2', false],
    [{ init: 'always' }, '1.6.6', true],
  ])('shouldInit(%j, %s) = %s', (over, version, expected) => {
    expect(shouldInit(spec(over), version)).toBe(expected);
  });
});
