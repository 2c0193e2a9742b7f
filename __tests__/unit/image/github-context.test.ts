// The git context read from GITHUB_* and GITHUB_EVENT_PATH, against @actions/github's context and
// against the values the tag and label logic derives from it, for every recorded event payload.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { context as actionsContext } from '@actions/github';
import { gitTags, ociLabels, OCI, type GitContext } from '../../../packages/image/metadata.js';
import { githubContext } from '../../../packages/image/github.js';
import { eventContext } from './events.js';

const events = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/github-events');

/** The variables the runner sets for an event recorded in a fixture. */
function runnerEnv(eventName: string, file: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const ctx = eventContext(eventName, file);
  return {
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: path.join(events, file),
    GITHUB_SHA: ctx.sha,
    GITHUB_REF: ctx.ref,
    GITHUB_REPOSITORY: `${ctx.repo.owner}/${ctx.repo.repo}`,
    GITHUB_SERVER_URL: 'https://github.com',
    ...extra,
  };
}

/** @actions/github's Context, built from `env` as it is at import time in an action. */
function fromActionsGithub(env: NodeJS.ProcessEnv): GitContext {
  const saved = process.env;
  process.env = { PATH: saved.PATH, ...env };
  try {
    const Context = actionsContext.constructor as new () => typeof actionsContext;
    const c = new Context();
    let repo = { owner: '', repo: '' };
    try {
      repo = c.repo;
    } catch {
      /* no GITHUB_REPOSITORY and no payload repository */
    }
    return {
      eventName: c.eventName ?? '',
      sha: c.sha ?? '',
      ref: c.ref ?? '',
      payload: c.payload,
      repo,
      serverUrl: c.serverUrl,
    };
  } finally {
    process.env = saved;
  }
}

const quiet = () => {};

describe.each<[string, string, string, string[], string]>([
  // event, fixture, what the tags are derived from, tags in order, head commit (OCI revision)
  [
    'pull_request',
    'pull_request.json',
    'pull request #57',
    ['pr-57'],
    'd4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3',
  ],
  ['push', 'push-main.json', 'branch main', ['main', 'latest'], '8f3c2a1b9d4e5f60718293a4b5c6d7e8f9012345'],
  [
    'push',
    'push-branch-uppercase.json',
    'branch Feature/JIRA-42_Add/Payments',
    ['Feature-JIRA-42_Add-Payments'],
    'ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12',
  ],
  [
    'push',
    'push-tag-v1.2.3.json',
    'tag v1.2.3',
    ['1.2.3', '1.2', '1', 'latest'],
    'c0ffee1234567890abcdef1234567890abcdef12',
  ],
  [
    'push',
    'push-tag-v2.0.0-rc.1.json',
    'tag v2.0.0-rc.1',
    ['2.0.0-rc.1'],
    'feedface00112233445566778899aabbccddeeff',
  ],
])('%s %s', (eventName, file, source, tagList, revision) => {
  const env = runnerEnv(eventName, file);
  const ctx = githubContext(env, quiet);

  test('the context equals the recorded event and @actions/github context', () => {
    expect(ctx).toEqual(eventContext(eventName, file));
    expect(ctx).toEqual(fromActionsGithub(env));
  });

  test('tags, default branch and labels come out as before', () => {
    const created = new Date('2026-11-27T23:30:05Z');
    const tags = gitTags(ctx, { latest: 'auto', sha: false });
    expect(tags.source).toContain(source);
    expect(tags.tags).toEqual(tagList);
    expect(gitTags(ctx, { latest: 'auto', sha: true }).tags).toContain(`sha-${revision.slice(0, 7)}`);
    const labels = ociLabels(ctx, tags.version, created);
    expect(labels[OCI.revision]).toBe(revision);
    expect(labels[OCI.created]).toBe('2026-11-27T23:30:05.000Z');
    expect(labels[OCI.source]).toBe('https://github.com/Acme-Corp/Shop-API');
    expect(labels[OCI.title]).toBe('Shop-API');
    expect(ctx.payload.repository.default_branch).toBe('main');
  });
});

describe('outside a full runner environment', () => {
  let dir: string;
  beforeAll(() => void (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-event-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each<[string, NodeJS.ProcessEnv, Partial<GitContext>]>([
    ['nothing set', {}, { eventName: '', sha: '', ref: '', payload: {}, repo: { owner: '', repo: '' } }],
    [
      'repository from the payload when GITHUB_REPOSITORY is unset',
      { ...runnerEnv('push', 'push-main.json'), GITHUB_REPOSITORY: undefined },
      { repo: { owner: 'Acme-Corp', repo: 'Shop-API' } },
    ],
    [
      'GITHUB_REPOSITORY wins over the payload',
      runnerEnv('push', 'push-main.json', { GITHUB_REPOSITORY: 'other/repo' }),
      { repo: { owner: 'other', repo: 'repo' } },
    ],
    [
      'a GitHub Enterprise server',
      { GITHUB_SERVER_URL: 'https://ghe.example.com' },
      { serverUrl: 'https://ghe.example.com' },
    ],
  ])('%s', (_name, env, want) => {
    const ctx = githubContext(env, quiet);
    expect(ctx).toMatchObject(want);
    expect(ctx).toEqual(fromActionsGithub(env));
  });

  test('a GITHUB_EVENT_PATH that names no file gives an empty payload and one log line', () => {
    const lines: string[] = [];
    const missing = path.join(dir, 'missing.json');
    const ctx = githubContext({ GITHUB_EVENT_PATH: missing, GITHUB_EVENT_NAME: 'push' }, (l) =>
      lines.push(l),
    );
    expect(ctx.payload).toEqual({});
    expect(lines).toEqual([`GITHUB_EVENT_PATH ${missing} does not exist`]);
  });

  test.each([
    ['not json', '{"ref":'],
    ['an array', '[1]'],
    ['a string', '"x"'],
  ])('a payload that is %s is refused, naming GITHUB_EVENT_PATH', (_name, text) => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, text);
    expect(() => githubContext({ GITHUB_EVENT_PATH: file }, quiet)).toThrow(
      `GITHUB_EVENT_PATH: ${file} is not a JSON object; expected the event payload the runner writes`,
    );
  });
});
