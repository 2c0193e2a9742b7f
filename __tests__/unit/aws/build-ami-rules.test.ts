// build-ami's cross-input rules, each on its own: the inputs a row gives are parsed with the real
// spec, then only that rule runs. The files the inputs name come from a table (no disk).
import { describe, expect, test } from '@jest/globals';
import { InputError, readInputs } from '@hac/toolkit';
import * as rules from '../../../packages/aws/ami/inputs.js';
import { readBuildAmiInputs, spec, type AmiRule, type InputFiles } from '../../../packages/aws/ami/inputs.js';

const FILES: Record<string, string> = {
  'ok.sh': '#!/bin/bash\necho ok\n',
  'empty.sh': '',
  'cloud.yaml': '#cloud-config\nruncmd: [echo]\n',
  'big.sh': `#!/bin/bash\n${'x'.repeat(16_400)}\n`,
  'almost.sh': `#!/bin/bash\n${'x'.repeat(16_300)}\n`,
  't.pkr.hcl': 'source "null" "x" {}\n',
  'vars.json': '{}',
};

/** A workspace at /ws holding FILES; paths starting with / or .. are outside it. */
const files: InputFiles = {
  resolve(p, allowOutside) {
    if (!allowOutside && (p.startsWith('/') || p.startsWith('..')))
      throw new Error(`"${p}" resolves outside it`);
    return p.startsWith('/') ? p : `/ws/${p}`;
  },
  read(p, allowOutside) {
    const abs = this.resolve(p, allowOutside);
    const text = FILES[abs.replace(/^\/ws\//, '')];
    if (text === undefined) throw new Error(`an existing file (relative to the workspace); ${abs}: ENOENT`);
    return text;
  },
  exists: (abs) => abs.replace(/^\/ws\//, '') in FILES,
};

const env = { GITHUB_REPOSITORY: 'org/web', AWS_REGION: 'us-east-1' };
const now = new Date('2026-01-02T03:04:05Z');

/** The inputs (input name -> expected text) that one rule reports for these raw inputs. */
function problemsOf(rule: AmiRule, raw: Record<string, string>): Record<string, string> {
  try {
    readInputs(spec, (n) => raw[n] ?? '', [rule]);
    return {};
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return Object.fromEntries(err.problems.map((p) => [p.input, String(p.expected)]));
  }
}

const ssm = { 'iam-instance-profile': 'builder', 'ssm-commands': 'echo hi' };

describe.each<[string, AmiRule, [Record<string, string>, Record<string, RegExp>][]]>([
  [
    'oneBaseImage',
    rules.oneBaseImage,
    [
      [{ 'base-ami': 'ami-0123456789abcdef0' }, {}],
      [{ 'base-ami-filters': 'name: x' }, {}],
      [{}, { 'base-ami': /needs a base image/ }],
      [
        { 'base-ami': 'ami-0123456789abcdef0', 'base-ami-filters': 'name: x' },
        { 'base-ami-filters': /not both/ },
      ],
    ],
  ],
  [
    'filtersNeedOwners',
    rules.filtersNeedOwners,
    [
      [{ 'base-ami-filters': 'name: x', 'base-ami-owners': 'amazon' }, {}],
      [{ 'base-ami-filters': 'name: x' }, { 'base-ami-owners': /match anyone's images/ }],
      [{}, {}],
    ],
  ],
  [
    'nativeTakesNoTemplate',
    rules.nativeTakesNoTemplate,
    [
      [{}, {}],
      [{ template: 't.pkr.hcl' }, { template: /engine: packer/ }],
    ],
  ],
  ['appNamed (with GITHUB_REPOSITORY)', rules.appNamed(env), [[{}, {}]]],
  [
    'appNamed (without)',
    rules.appNamed({}),
    [
      [{ app: 'web' }, {}],
      [{}, { app: /an app name/ }],
    ],
  ],
  [
    'userDataOrFile',
    rules.userDataOrFile,
    [
      [{ 'user-data': 'echo' }, {}],
      [{ 'user-data': 'echo', 'user-data-file': 'ok.sh' }, { 'user-data-file': /not both/ }],
    ],
  ],
  [
    'ssmCommandsOrFile',
    rules.ssmCommandsOrFile,
    [
      [{ 'ssm-commands-file': 'ok.sh' }, {}],
      [{ 'ssm-commands': 'echo', 'ssm-commands-file': 'ok.sh' }, { 'ssm-commands-file': /not both/ }],
    ],
  ],
  [
    'scriptFilesReadable',
    rules.scriptFilesReadable(files),
    [
      [{ 'user-data-file': 'ok.sh', 'ssm-commands-file': 'ok.sh' }, {}],
      [{ 'user-data-file': 'nope.sh' }, { 'user-data-file': /existing file/ }],
      [{ 'ssm-commands-file': '/etc/hostname' }, { 'ssm-commands-file': /resolves outside it/ }],
      [
        { 'ssm-commands-file': '/etc/hostname', 'allow-paths-outside-workspace': 'true' },
        { 'ssm-commands-file': /ENOENT/ },
      ],
    ],
  ],
  [
    'ssmNeedsProfile',
    rules.ssmNeedsProfile,
    [
      [ssm, {}],
      [{ 'ssm-document': 'MyDoc' }, { 'iam-instance-profile': /AmazonSSMManagedInstanceCore/ }],
      [{ 'user-data': 'echo' }, {}],
    ],
  ],
  [
    'noCommandsParameterWithScript',
    rules.noCommandsParameterWithScript,
    [
      [{ ...ssm, 'ssm-parameters': 'workingDirectory: /opt' }, {}],
      [{ ...ssm, 'ssm-parameters': 'commands: [echo]' }, { 'ssm-parameters': /no "commands" parameter/ }],
      [{ 'ssm-document': 'AWS-RunShellScript', 'ssm-parameters': 'commands: [echo]' }, {}],
    ],
  ],
  [
    'runShellScriptHasScript',
    rules.runShellScriptHasScript(files),
    [
      [ssm, {}],
      [{ 'ssm-document': 'AWS-RunShellScript' }, { 'ssm-commands': /shell script/ }],
      [{ 'ssm-commands-file': 'empty.sh' }, { 'ssm-commands': /shell script/ }],
      [{ 'ssm-commands-file': 'nope.sh' }, {}],
      [{ 'ssm-document': 'AWS-RunShellScript', 'ssm-parameters': 'commands: [echo]' }, {}],
      [{ 'ssm-document': 'MyDoc' }, {}],
    ],
  ],
  [
    'runShellScriptParameters',
    rules.runShellScriptParameters,
    [
      [{ ...ssm, 'ssm-parameters': 'workingDirectory: /opt\nexecutionTimeout: 60' }, {}],
      [
        { ...ssm, 'ssm-parameters': 'workingDir: /opt' },
        { 'ssm-parameters': /commands, workingDirectory, executionTimeout/ },
      ],
      [{ 'ssm-document': 'MyDoc', 'ssm-parameters': 'anything: 1' }, {}],
    ],
  ],
  [
    'ssmParametersNeedSsm',
    rules.ssmParametersNeedSsm,
    [
      [{ ...ssm, 'ssm-parameters': 'workingDirectory: /opt' }, {}],
      [
        { 'ssm-parameters': 'workingDirectory: /opt' },
        { 'ssm-parameters': /nothing without "ssm-commands"/ },
      ],
    ],
  ],
  [
    'provisioningGiven',
    rules.provisioningGiven(files),
    [
      [{ 'user-data': 'echo' }, {}],
      [{ 'user-data-file': 'ok.sh' }, {}],
      [{}, { 'user-data': /provisioning script/ }],
      [{ 'user-data': '  \n' }, { 'user-data': /provisioning script/ }],
      [{ 'user-data-file': 'nope.sh' }, {}],
      [ssm, {}],
    ],
  ],
  [
    'shutdownNeedsShellScript',
    rules.shutdownNeedsShellScript(files),
    [
      [{ 'user-data-file': 'ok.sh' }, {}],
      [{ 'user-data-file': 'cloud.yaml' }, { shutdown: /cloud-config/ }],
      [{ 'user-data-file': 'cloud.yaml', shutdown: 'false' }, {}],
      [{ ...ssm, 'user-data-file': 'cloud.yaml' }, {}],
    ],
  ],
  [
    'userDataFits',
    rules.userDataFits(files),
    [
      [{ 'user-data-file': 'ok.sh' }, {}],
      [{ 'user-data-file': 'big.sh' }, { 'user-data-file': /with build-ami's wrapper/ }],
      [{ 'user-data-file': 'almost.sh' }, { 'user-data-file': /at most 16384 bytes/ }],
      [{ 'user-data-file': 'almost.sh', shutdown: 'false' }, {}],
      [{ ...ssm, 'user-data-file': 'big.sh' }, { 'user-data-file': /^at most 16384 bytes of user data$/ }],
      [{ 'user-data': `#!/bin/sh\n${'y'.repeat(16_400)}` }, { 'user-data': /at most 16384 bytes/ }],
    ],
  ],
  [
    'packerInputsOnNative',
    rules.packerInputsOnNative,
    [
      [{}, {}],
      [{ vars: 'a=1' }, { vars: /is for engine "packer"/ }],
      [
        { only: 'x', except: 'y' },
        { only: /engine "packer"/, except: /engine "packer"/ },
      ],
    ],
  ],
  [
    'nameRenders',
    rules.nameRenders(env, now),
    [
      [{ app: 'web' }, {}],
      [{ 'name-template': `${'n'.repeat(120)}-{{timestamp}}` }, { 'name-template': /3-128 characters/ }],
      [{ 'name-template': '{{app}}-{{sha}}' }, {}],
    ],
  ],
  [
    'packerTemplateExists',
    rules.packerTemplateExists(files),
    [
      [{ template: 't.pkr.hcl' }, {}],
      [{}, { template: /Packer template path/ }],
      [{ template: 'missing.pkr.hcl' }, { template: /existing template/ }],
      [{ template: '/etc' }, { template: /resolves outside it/ }],
    ],
  ],
  [
    'varFilesExist',
    rules.varFilesExist(files),
    [
      [{ 'var-files': 'vars.json' }, {}],
      [{ 'var-files': 'vars.json, nope.json' }, { 'var-files': /existing var files/ }],
      [{ 'var-files': '../x.json' }, { 'var-files': /resolves outside it/ }],
    ],
  ],
  [
    'nativeInputsOnPacker',
    rules.nativeInputsOnPacker,
    [
      [{ template: 't.pkr.hcl' }, {}],
      [{ 'base-ami': 'ami-0123456789abcdef0' }, { 'base-ami': /engine "packer"/ }],
      [
        { 'ssm-commands': 'echo', 'copy-regions': 'eu-west-1' },
        { 'ssm-commands': /native/, 'copy-regions': /native/ },
      ],
    ],
  ],
  [
    'keepNeedsFamily',
    rules.keepNeedsFamily,
    [
      [{ keep: '3', family: 'web' }, {}],
      [{ keep: '3' }, { family: /a family with "keep"/ }],
      [{}, {}],
    ],
  ],
  [
    'varsOrSecretVars',
    rules.varsOrSecretVars,
    [
      [{ vars: 'a=1', 'secret-vars': 'b=2' }, {}],
      [{ vars: 'a=1\nb=2', 'secret-vars': 'b=3' }, { vars: /not both/ }],
    ],
  ],
  [
    'copyRegionsOtherThanBuild (region from AWS_REGION)',
    rules.copyRegionsOtherThanBuild(env),
    [
      [{ 'copy-regions': 'eu-west-1' }, {}],
      [
        { 'copy-regions': 'eu-west-1, us-east-1' },
        { 'copy-regions': /other than the build region us-east-1/ },
      ],
      [{ region: 'eu-west-1', 'copy-regions': 'us-east-1' }, {}],
      [{ region: 'eu-west-1', 'copy-regions': 'eu-west-1' }, { 'copy-regions': /build region eu-west-1/ }],
    ],
  ],
])('%s', (_name, rule, rows) => {
  test.each(rows)('%j -> %j', (raw, expected) => {
    const got = problemsOf(rule, raw);
    expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
    for (const [input, text] of Object.entries(expected)) expect(got[input]).toMatch(text);
  });
});

describe('the rules together', () => {
  const read = (raw: Record<string, string>) => readBuildAmiInputs((n) => raw[n] ?? '', { env, now, files });

  test('an engine applies its own rules only', () => {
    expect(() => read({ engine: 'packer', template: 't.pkr.hcl' })).not.toThrow();
    expect(() =>
      read({ 'base-ami': 'ami-0123456789abcdef0', 'user-data-file': 'ok.sh', vars: 'a=1' }),
    ).toThrow(/input "vars"/);
  });

  test('every file is read through the files given, and resolved the same way', () => {
    const v = read({ 'base-ami': 'ami-0123456789abcdef0', 'user-data-file': 'ok.sh', shutdown: 'false' });
    expect(v.native?.userData).toBe(FILES['ok.sh']);
    const p = read({ engine: 'packer', template: 't.pkr.hcl', 'var-files': 'vars.json' });
    expect(p.packer).toMatchObject({ template: '/ws/t.pkr.hcl', varFiles: ['/ws/vars.json'] });
  });

  test('one unreadable file is one problem', () => {
    expect(() => read({ 'base-ami': 'ami-0123456789abcdef0', 'user-data-file': 'nope.sh' })).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ input: 'user-data-file' })] }),
    );
  });
});
