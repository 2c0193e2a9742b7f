// docker-build-push's input rules, each on its own: the values it accepts and the problems
// (input, value shown) it adds. Then the split: reading checks no file, resolving does.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { InputError, readInputs, type Rule } from '@hac/toolkit';
import { engineWarnings } from '../../../packages/image/build-preflight.js';
import { readImageInputs, resolveInputs } from '../../../packages/image/inputs.js';
import { resolveRequest } from '../../../packages/image/resolve.js';
import { rulesByName } from '../../../packages/image/rules.js';
import { spec, type ImageValues } from '../../../packages/image/spec.js';
import { type BuildRequest } from '../../../packages/image/request.js';
import { eventContext } from './events.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/docker');
const defaults = readInputs(spec, () => '');

interface Case {
  values?: Partial<ImageValues>;
  raw?: Record<string, string>;
  failed?: string[];
}

/** The problems one rule adds, as [input, value shown]. */
function problemsOf(rule: Rule<ImageValues>, c: Case): [string, string][] {
  const out: [string, string][] = [];
  rule(
    { ...defaults, ...c.values },
    { add: (input, value) => void out.push([input, value]) },
    { raw: (n) => c.raw?.[n] ?? '', failed: new Set(c.failed ?? []) },
  );
  return out;
}

const rules: Record<string, Rule<ImageValues>> = rulesByName;

const RULES_IN_TAGS = 'type=ref,event=branch\ntype=sha';

// prettier-ignore
const cases: [string, string, Case, [string, string][]][] = [
  ['buildArgsForm', 'NAME=value', { values: { 'build-args': ['VERSION=1', 'B_2=x=y'] } }, []],
  ['buildArgsForm', 'no equals sign', { values: { 'build-args': ['VERSION=1', 'NOEQUALS'] } }, [['build-args', 'NOEQUALS']]],
  ['buildArgsForm', 'a dash in the name', { values: { 'build-args': ['MY-ARG=1'] } }, [['build-args', 'MY-ARG=1']]],
  ['labelsForm', 'key=value', { values: { labels: ['org.example/team=web'] } }, []],
  ['labelsForm', 'no key', { values: { labels: ['=value'] } }, [['labels', '=value']]],
  ['secretsForm', 'id=value', { values: { secrets: ['token=a\tb'] } }, []],
  ['secretsForm', 'no value', { values: { secrets: ['token='] } }, [['secrets', 'token=']]],
  ['secretsForm', 'no id, value hidden', { values: { secrets: ['bad id!=s3cret'] } }, [['secrets', 'bad id!=***']]],
  ['secretsForm', 'NUL in the value, hidden', { values: { secrets: ['token=a\0b'] } }, [['secrets', 'token=***']]],
  ['secretEnvsForm', 'id=ENV', { values: { 'secret-envs': ['gh=GH_TOKEN'] } }, []],
  ['secretEnvsForm', 'no env name', { values: { 'secret-envs': ['gh'] } }, [['secret-envs', 'gh']]],
  ['platformsForm', 'os/arch', { values: { platforms: ['linux/amd64', 'linux/arm64/v8'] } }, []],
  ['platformsForm', 'no arch', { values: { platforms: ['linux'] } }, [['platforms', 'linux']]],
  ['cacheForm', 'gha from, registry to', { values: { 'cache-from': ['type=gha'], 'cache-to': ['type=registry,ref=r/a:c'] } }, []],
  ['cacheForm', 'registry without ref', { values: { 'cache-to': ['type=registry,mode=max'] } }, [['cache-to', 'type=registry,mode=max']]],
  ['cacheForm', 'unknown type', { values: { 'cache-from': ['type=nfs,src=/x'] } }, [['cache-from', 'type=nfs,src=/x']]],
  ['registriesForm', 'a list of logins', { values: { registries: [{ registry: 'ghcr.io', username: 'u', password: 'p' }] } }, []],
  ['registriesForm', 'not a list', { values: { registries: { registry: 'ghcr.io' } } }, [['registries', '']]],
  ['registriesForm', 'already failed: not again', { values: { registries: undefined }, failed: ['registries'] }, []],
  ['imagesForm', 'repositories', { values: { images: ['ghcr.io/Acme/App', '127.0.0.1:5000/a'] } }, []],
  ['imagesForm', 'an empty path part', { values: { images: ['ghcr.io//app'] } }, [['images', 'ghcr.io//app']]],
  ['tagsOrTagRules', 'rules in tags alone', { raw: { tags: RULES_IN_TAGS } }, []],
  ['tagsOrTagRules', 'rules in tags and tag-rules', { raw: { tags: RULES_IN_TAGS, 'tag-rules': 'type=sha' } }, [['tags', RULES_IN_TAGS]]],
  ['tagsForm', 'a bare tag with images', { values: { tags: ['v1'], images: ['r/a'] } }, []],
  ['tagsForm', 'a full reference', { values: { tags: ['ghcr.io/Acme/app:1.2.3'] } }, []],
  ['tagsForm', 'a bare tag without images', { values: { tags: ['v1'] } }, [['tags', 'v1']]],
  ['tagsForm', 'bad tag characters', { values: { tags: ['v1$'], images: ['r/a'] } }, [['tags', 'v1$']]],
  ['tagsForm', 'a digest', { values: { tags: ['r/a@sha256:0123456789abcdef'] } }, [['tags', 'r/a@sha256:0123456789abcdef']]],
  ['tagsForm', 'rules in tags are not references', { values: { tags: ['type=sha'] }, raw: { tags: 'type=sha' } }, []],
  ['tagRulesForm', 'good rules', { values: { 'tag-rules': 'type=semver,pattern={{version}}' } }, []],
  ['tagRulesForm', 'an unknown type', { values: { 'tag-rules': 'type=nonsense' } }, [['tag-rules', 'type=nonsense']]],
  ['tagRulesForm', 'rules in tags are named as tags', { raw: { tags: 'type=ref' } }, [['tags', 'type=ref']]],
  ['tagRulesForm', 'flavor alone: the default rules', { values: { flavor: ['latest=true'] } }, []],
  ['rulesInTagsNeedImages', 'with images', { values: { images: ['r/a'] }, raw: { tags: RULES_IN_TAGS } }, []],
  ['rulesInTagsNeedImages', 'without images', { raw: { tags: RULES_IN_TAGS } }, [['images', '']]],
  ['rulesInTagsNeedImages', 'plain tags need none', { raw: { tags: 'r/a:1' } }, []],
  ['tagRulesNeedAutoTags', 'rules with auto-tags', { values: { 'tag-rules': 'type=sha' } }, []],
  ['tagRulesNeedAutoTags', 'rules without auto-tags', { values: { 'tag-rules': 'type=sha', 'auto-tags': false } }, [['auto-tags', 'false']]],
  ['tagRulesNeedAutoTags', 'no rules without auto-tags', { values: { 'auto-tags': false } }, []],
  ['latestMatchesFlavor', 'latest unset', { values: { flavor: ['latest=true'] } }, []],
  ['latestMatchesFlavor', 'the same latest', { values: { flavor: ['latest=true'], latest: 'true' } }, []],
  ['latestMatchesFlavor', 'another latest', { values: { flavor: ['latest=true'], latest: 'false' } }, [['latest', 'false']]],
  ['insecureRegistriesForm', 'hosts, with scheme or path', { values: { 'insecure-registries': ['127.0.0.1:5000', 'http://Reg.local/x'] } }, []],
  ['insecureRegistriesForm', 'not a host', { values: { 'insecure-registries': ['not a host!'] } }, [['insecure-registries', 'not a host!']]],
  ['annotationsForm', 'key=value with a level', { values: { annotations: ['manifest:org.example.a=1'] } }, []],
  ['annotationsForm', 'no equals sign', { values: { annotations: ['no equals sign'] } }, [['annotations', 'no equals sign']]],
  ['outputsForm', 'type=local with dest', { values: { outputs: ['type=local,dest=/tmp/out'] } }, []],
  ['outputsForm', 'type=tar without dest', { values: { outputs: ['type=tar,compression=gzip'] } }, [['outputs', 'type=tar,compression=gzip']]],
  ['flavorForm', 'prefix on latest', { values: { flavor: ['prefix=v,onlatest=true'] } }, []],
  ['flavorForm', 'an unknown key', { values: { flavor: ['colour=blue'] } }, [['flavor', 'colour=blue']]],
];

describe('each rule', () => {
  test.each(cases)('%s: %s', (name, _case, c, expected) => {
    expect(problemsOf(rules[name] as Rule<ImageValues>, c)).toEqual(expected);
  });

  test('every rule has a case that passes and one that adds a problem', () => {
    const names = cases.map(([name]) => name);
    for (const name of Object.keys(rulesByName)) {
      expect(cases.some(([n, , , out]) => n === name && out.length === 0)).toBe(true);
      expect(cases.some(([n, , , out]) => n === name && out.length > 0)).toBe(true);
    }
    expect(Object.keys(rulesByName)).toEqual(expect.arrayContaining(names));
  });
});

describe('reading checks the inputs; resolving reads files, the environment and the git context', () => {
  const ok = { context: 'multistage', images: '127.0.0.1:5000/acme/app', push: 'true' };
  const source = (over: Record<string, string>) => (n: string) => ({ ...ok, ...over })[n] ?? '';
  const opts = {
    git: eventContext('push', 'push-main.json'),
    now: new Date('2026-11-27T10:00:00Z'),
    cwd: fixtures,
    env: {},
  };
  const inputsOf = (err: unknown) => (err as InputError).problems.map((p) => p.input);

  test.each<[string, Record<string, string>, string]>([
    ['a context that does not exist', { context: 'nope' }, 'context'],
    ['a secret-envs variable that is not set', { 'secret-envs': 'gh=HAC_SURELY_UNSET' }, 'secret-envs'],
    ['a secret file that does not exist', { 'secret-files': 'tok=nope.txt' }, 'secret-files'],
    ['no tag from the git context (no ref, no sha)', { push: 'false' }, 'images'],
  ])('%s: read passes, resolve names the input', (_name, over, input) => {
    const bare = {
      eventName: 'workflow_dispatch',
      sha: '',
      ref: '',
      payload: {},
      repo: { owner: '', repo: '' },
      serverUrl: '',
    };
    const git = input === 'images' ? bare : opts.git;
    const inputs = readImageInputs(source(over));
    let err: unknown;
    try {
      resolveRequest(inputs, { ...opts, git });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect(inputsOf(err)).toEqual([input]);
  });

  test('a form problem is found by reading, with no file looked at', () => {
    expect(() => readImageInputs(source({ context: 'nope', platforms: 'linux' }))).toThrow(
      /input "platforms"/,
    );
    expect(() => readImageInputs(source({ context: 'nope', platforms: 'linux' }))).not.toThrow(
      /input "context"/,
    );
  });

  test('rules pasted into tags are read as tag rules, not references', () => {
    const inputs = readImageInputs(source({ tags: RULES_IN_TAGS }));
    expect(inputs.tags).toEqual([]);
    expect(inputs.tagRuleText).toBe(RULES_IN_TAGS);
    expect(resolveRequest(inputs, opts).refs).toEqual([
      '127.0.0.1:5000/acme/app:main',
      expect.stringMatching(/^127\.0\.0\.1:5000\/acme\/app:sha-[0-9a-f]{7}$/),
    ]);
  });

  test('secret values are masked once read: password, secrets and registries passwords', () => {
    const masked: (string | undefined)[] = [];
    readImageInputs(
      source({
        username: 'bot',
        password: 'pw-1',
        secrets: 'a=s-2',
        registries: '- registry: ghcr.io\n  username: u\n  password: pw-3',
      }),
      (s) => void masked.push(s),
    );
    expect(masked).toEqual(['pw-1', 's-2', 'pw-3']);
  });
});

describe('engine warnings', () => {
  const request = resolveInputs((n) => ({ context: 'multistage' })[n as 'context'] ?? '', {
    git: eventContext('push', 'push-main.json'),
    now: new Date('2026-11-27T10:00:00Z'),
    cwd: fixtures,
    env: {},
  });
  test.each<[string, Partial<BuildRequest>, 'docker' | 'buildah', RegExp[]]>([
    ['docker, defaults', {}, 'docker', []],
    ['buildah, defaults', {}, 'buildah', []],
    ['buildah with provenance', { provenance: 'mode=max' }, 'buildah', [/provenance and sbom/]],
    ['buildah with sbom', { sbom: 'true' }, 'buildah', [/provenance and sbom/]],
    ['docker with tls-verify false', { tlsVerify: false }, 'docker', [/apply to buildah/]],
    [
      'docker with an insecure registry',
      { insecureRegistries: ['127.0.0.1:5000'] },
      'docker',
      [/apply to buildah/],
    ],
    ['buildah with an insecure registry', { insecureRegistries: ['127.0.0.1:5000'] }, 'buildah', []],
  ])('%s', (_name, over, engine, expected) => {
    const warnings = engineWarnings({ ...request, ...over }, engine);
    expect(warnings).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(warnings[i]).toMatch(re));
  });
});
