import { describe, expect, test } from '@jest/globals';
import { gitTags, ociLabels, sanitizeTag, type LatestMode } from '../../../packages/image/metadata.js';
import { eventContext } from './events.js';

describe('gitTags from recorded event payloads', () => {
  test.each([
    [
      'push',
      'push-main.json',
      'auto',
      ['main', 'sha-8f3c2a1', 'sha-8f3c2a1b9d4e5f60718293a4b5c6d7e8f9012345', 'latest'],
      'main',
    ],
    [
      'push',
      'push-main.json',
      'false',
      ['main', 'sha-8f3c2a1', 'sha-8f3c2a1b9d4e5f60718293a4b5c6d7e8f9012345'],
      'main',
    ],
    [
      'push',
      'push-tag-v1.2.3.json',
      'auto',
      ['1.2.3', '1.2', '1', 'sha-c0ffee1', 'sha-c0ffee1234567890abcdef1234567890abcdef12', 'latest'],
      '1.2.3',
    ],
    [
      'push',
      'push-tag-v2.0.0-rc.1.json',
      'auto',
      ['2.0.0-rc.1', 'sha-feedfac', 'sha-feedface00112233445566778899aabbccddeeff'],
      '2.0.0-rc.1',
    ],
    [
      'push',
      'push-tag-v2.0.0-rc.1.json',
      'true',
      ['2.0.0-rc.1', 'sha-feedfac', 'sha-feedface00112233445566778899aabbccddeeff', 'latest'],
      '2.0.0-rc.1',
    ],
    [
      'pull_request',
      'pull_request.json',
      'auto',
      ['pr-57', 'sha-d4e5f6a', 'sha-d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3'],
      'pr-57',
    ],
    [
      'push',
      'push-branch-uppercase.json',
      'auto',
      ['Feature-JIRA-42_Add-Payments', 'sha-ab12cd3', 'sha-ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12'],
      'Feature-JIRA-42_Add-Payments',
    ],
  ] as [string, string, LatestMode, string[], string][])(
    '%s %s (latest=%s)',
    (event, file, latest, tags, version) => {
      const got = gitTags(eventContext(event, file), { latest, sha: true });
      expect(got.tags).toEqual(tags);
      expect(got.version).toBe(version);
    },
  );

  test('sha tags can be turned off', () => {
    expect(
      gitTags(eventContext('push', 'push-tag-v1.2.3.json'), { latest: 'false', sha: false }).tags,
    ).toEqual(['1.2.3', '1.2', '1']);
  });

  test('a pull request is tagged with its head commit, not the merge commit', () => {
    const tags = gitTags(eventContext('pull_request', 'pull_request.json'), {
      latest: 'auto',
      sha: true,
    }).tags;
    expect(tags.join(' ')).not.toContain('e1e2e3e');
  });

  test('v0.x tags do not get a bare "0"', () => {
    const ctx = { ...eventContext('push', 'push-tag-v1.2.3.json'), ref: 'refs/tags/v0.4.1' };
    expect(gitTags(ctx, { latest: 'auto', sha: false }).tags).toEqual(['0.4.1', '0.4', 'latest']);
  });

  test('a non-semver tag is used as it is (sanitised)', () => {
    const ctx = { ...eventContext('push', 'push-tag-v1.2.3.json'), ref: 'refs/tags/release/Spring' };
    expect(gitTags(ctx, { latest: 'auto', sha: false }).tags).toEqual(['release-Spring']);
  });

  test('no ref and no sha gives no tags', () => {
    expect(
      gitTags(
        { eventName: '', sha: '', ref: '', payload: {}, repo: { owner: '', repo: '' }, serverUrl: '' },
        { latest: 'auto', sha: true },
      ).tags,
    ).toEqual([]);
  });
});

describe('sanitizeTag', () => {
  test.each([
    ['main', 'main'],
    ['Feature/Add-Thing', 'Feature-Add-Thing'],
    ['fix/üñí©ødé', 'fix-d'],
    ['-leading/dash', 'leading-dash'],
    ['.hidden', 'hidden'],
    ['a//b', 'a-b'],
    ['x'.repeat(200), 'x'.repeat(128)],
    ['dependabot/npm_and_yarn/semver-7.6.0', 'dependabot-npm_and_yarn-semver-7.6.0'],
  ])('%s -> %s', (input, out) => {
    expect(sanitizeTag(input)).toBe(out);
  });
});

describe('ociLabels', () => {
  const created = new Date('2026-11-27T10:00:00Z');
  test('from a tag push', () => {
    expect(ociLabels(eventContext('push', 'push-tag-v1.2.3.json'), '1.2.3', created)).toEqual({
      'org.opencontainers.image.title': 'Shop-API',
      'org.opencontainers.image.description': 'Order and payment API',
      'org.opencontainers.image.url': 'https://github.com/Acme-Corp/Shop-API',
      'org.opencontainers.image.source': 'https://github.com/Acme-Corp/Shop-API',
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.created': '2026-11-27T10:00:00.000Z',
      'org.opencontainers.image.revision': 'c0ffee1234567890abcdef1234567890abcdef12',
      'org.opencontainers.image.licenses': 'MIT',
    });
  });
  test('user labels win and the pull request revision is its head', () => {
    const labels = ociLabels(eventContext('pull_request', 'pull_request.json'), 'pr-57', created, {
      'org.opencontainers.image.title': 'shop',
      team: 'payments',
    });
    expect(labels['org.opencontainers.image.title']).toBe('shop');
    expect(labels.team).toBe('payments');
    expect(labels['org.opencontainers.image.revision']).toBe('d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3');
  });
});
