// docker/metadata-action's tag rules, applied to recorded event payloads: tables of rules, events and
// the tags (in priority order, the first being the version) they give.
import { describe, expect, test } from '@jest/globals';
import { applyTagRules, formatDate, parseTagRules, splitFields } from '../../../packages/image/tag-rules.js';
import { resolveInputs } from '../../../packages/image/inputs.js';
import { type GitContext, type LatestMode } from '../../../packages/image/metadata.js';
import { InputError } from '@hac/toolkit';
import { eventContext } from './events.js';

const NOW = new Date('2026-11-27T23:30:05Z');
const push = eventContext('push', 'push-main.json'); // main is the default branch, sha 8f3c2a1...
const tag = eventContext('push', 'push-tag-v1.2.3.json'); // sha c0ffee1...
const rc = eventContext('push', 'push-tag-v2.0.0-rc.1.json'); // sha feedfac...
const pr = eventContext('pull_request', 'pull_request.json'); // #57, head d4e5f6a...
const feature = eventContext('push', 'push-branch-uppercase.json');
const schedule: GitContext = { ...push, eventName: 'schedule' };

function tags(rules: string, ctx: GitContext, latest: LatestMode = 'auto') {
  const parsed = parseTagRules(rules);
  expect(parsed.problems).toEqual([]);
  return applyTagRules(parsed.rules, ctx, { latest, now: NOW });
}

const STANDARD = `
type=schedule
type=ref,event=branch
type=ref,event=tag
type=ref,event=pr
type=semver,pattern={{version}}
type=semver,pattern={{major}}.{{minor}}
type=semver,pattern={{major}}
type=sha
`;

describe('a typical rule set on each event', () => {
  test.each<[string, GitContext, string[], string]>([
    ['push to the default branch', push, ['main', 'sha-8f3c2a1'], 'main'],
    ['stable tag v1.2.3', tag, ['1.2.3', '1.2', '1', 'v1.2.3', 'sha-c0ffee1', 'latest'], '1.2.3'],
    [
      'pre-release v2.0.0-rc.1: only its full version',
      rc,
      ['2.0.0-rc.1', 'v2.0.0-rc.1', 'sha-feedfac', 'latest'],
      '2.0.0-rc.1',
    ],
    ['pull request #57 (head commit)', pr, ['pr-57', 'sha-d4e5f6a'], 'pr-57'],
    [
      'branch with odd characters',
      feature,
      ['Feature-JIRA-42_Add-Payments', 'sha-ab12cd3'],
      'Feature-JIRA-42_Add-Payments',
    ],
    ['nightly schedule', schedule, ['nightly', 'main', 'sha-8f3c2a1'], 'nightly'],
  ])('%s', (_t, ctx, expected, version) => {
    const got = tags(STANDARD, ctx);
    expect(got.tags).toEqual(expected);
    expect(got.version).toBe(version);
  });
});

describe('each rule type and attribute', () => {
  test.each<[string, string, GitContext, string[]]>([
    ['semver {{raw}} keeps the v', 'type=semver,pattern={{raw}}', tag, ['v1.2.3', 'latest']],
    [
      'semver from a value',
      'type=semver,pattern={{major}}.{{minor}}.{{patch}},value=3.4.5',
      push,
      ['3.4.5', 'latest'],
    ],
    ['semver on a branch: nothing', 'type=semver,pattern={{version}}', push, []],
    ['semver of a non-version tag: nothing', 'type=semver,pattern={{version}},value=release-x', push, []],
    [
      'semver major 0 is kept, as in metadata-action',
      'type=semver,pattern={{major}},value=0.4.1',
      push,
      ['0', 'latest'],
    ],
    ['match with a group', 'type=match,pattern=v(\\d+\\.\\d+),group=1', tag, ['1.2', 'latest']],
    ['match without a match', 'type=match,pattern=^release-', tag, []],
    ['edge on the default branch', 'type=edge', push, ['edge']],
    ['edge on another branch', 'type=edge,branch=develop', push, []],
    ['raw with placeholders', 'type=raw,value={{branch}}-{{sha}}', push, ['main-8f3c2a1']],
    ['raw shorthand lines', 'stable\ntype=raw,candidate', push, ['stable', 'candidate']],
    ['sha long', 'type=sha,format=long', push, ['sha-8f3c2a1b9d4e5f60718293a4b5c6d7e8f9012345']],
    ['sha with its own prefix', 'type=sha,prefix=git-', push, ['git-8f3c2a1']],
    ['pr with its own prefix', 'type=ref,event=pr,prefix=pull-', pr, ['pull-57']],
    ['prefix and suffix', 'type=ref,event=branch,prefix=app-,suffix=-amd64', push, ['app-main-amd64']],
    ['enable with is_default_branch', 'type=raw,value=prod,enable={{is_default_branch}}', push, ['prod']],
    ['enable false on another branch', 'type=raw,value=prod,enable={{is_default_branch}}', feature, []],
    ['enable=false', 'type=raw,value=x,enable=false', push, []],
    [
      'priority reorders: raw first',
      'type=ref,event=branch\ntype=raw,value=first,priority=2000',
      push,
      ['first', 'main'],
    ],
    [
      'schedule with a date pattern',
      "type=schedule,pattern={{date 'YYYYMMDD-HHmm'}}",
      schedule,
      ['20261127-2330'],
    ],
    [
      'schedule in a time zone',
      "type=schedule,pattern={{date 'YYYYMMDD'}},tz=Asia/Tokyo",
      schedule,
      ['20261128'],
    ],
    ['schedule outside a schedule event: nothing', 'type=schedule', push, []],
    ['a quoted value with a comma', 'type=raw,"value=a,b"', push, ['a-b']],
    ['duplicates once', 'type=raw,value=x\ntype=raw,value=x', push, ['x']],
    ['comments and blank lines', '# tags\n\ntype=raw,value=y\n', push, ['y']],
  ])('%s', (_t, rules, ctx, expected) => {
    expect(tags(rules, ctx).tags).toEqual(expected);
  });

  test('latest: true adds it everywhere; false never', () => {
    expect(tags('type=ref,event=branch', push, 'true').tags).toEqual(['main', 'latest']);
    expect(tags('type=semver,pattern={{version}}', tag, 'false').tags).toEqual(['1.2.3']);
  });

  test('date formats', () => {
    expect(formatDate(NOW, 'YYYY-MM-DD HH:mm:ss')).toBe('2026-11-27 23:30:05');
    expect(formatDate(NOW, 'YYMMDD', 'America/New_York')).toBe('261127');
  });

  test('splitFields honours quotes', () => {
    expect(splitFields('type=raw,"value=a,b",suffix=""""')).toEqual(['type=raw', 'value=a,b', 'suffix="']);
  });
});

describe('bad rules: each line is named with what was expected', () => {
  test.each<[string, RegExp]>([
    ['type=nightly', /a type of schedule, semver, pep440, match, edge, ref, raw, sha \(got "nightly"\)/],
    ['type=ref', /type=ref with event=branch, tag or pr/],
    ['type=ref,event=push', /event=branch, tag or pr/],
    ['type=semver', /type=semver with pattern=/],
    ['type=match,pattern=v(', /a valid regular expression/],
    ['type=match,pattern=v(.*),group=x', /group=<capture group number>/],
    ['type=sha,format=medium', /format=short or long/],
    [
      'type=raw,value=a,color=red',
      /attributes of type=raw: enable, priority, prefix, suffix, value \(unknown: color\)/,
    ],
    ['type=raw,value=a,priority=high', /priority=<integer>/],
    ['type=raw,value=a,enable=yes', /enable=true, false, \{\{is_default_branch\}\}/],
    ['type=schedule,tz=Mars/Olympus', /IANA time zone/],
    ['type=edge,stray', /key=value attributes \(got "stray"\)/],
  ])('%s', (line, expected) => {
    const { problems, rules } = parseTagRules(line);
    expect(rules).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.line).toBe(line);
    expect(problems[0]?.expected).toMatch(expected);
  });
});

describe('tag-rules in the docker-build-push inputs', () => {
  const context = '__tests__/fixtures/docker/multistage';
  const resolve = (raw: Record<string, string>, git = tag) =>
    resolveInputs((n) => ({ context, ...raw })[n] ?? '', { git, now: NOW, mask: () => {} });

  test('the rules tag every image; the version is the first tag', () => {
    const r = resolve({
      images: 'ghcr.io/acme/shop',
      'tag-rules': 'type=semver,pattern={{major}}.{{minor}}\ntype=sha',
    });
    expect(r.refs).toEqual([
      'ghcr.io/acme/shop:1.2',
      'ghcr.io/acme/shop:sha-c0ffee1',
      'ghcr.io/acme/shop:latest',
    ]);
    expect(r.version).toBe('1.2');
  });

  test('bad rules and a contradiction are input errors', () => {
    let err: unknown;
    try {
      resolve({ images: 'ghcr.io/acme/shop', 'tag-rules': 'type=ref,event=push', 'auto-tags': 'false' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const problems = (err as InputError).problems.map((p) => [p.input, p.value]);
    expect(problems).toEqual(
      expect.arrayContaining([
        ['tag-rules', 'type=ref,event=push'],
        ['auto-tags', 'false'],
      ]),
    );
  });
});
