import { describe, expect, test } from '@jest/globals';
import {
  ecrRegistry,
  parseImageRef,
  parseRepository,
  splitTag,
  tagProblem,
} from '../../../packages/image/reference.js';
import { parseInsecureRegistries } from '../../../packages/image/registries-conf.js';

describe('parseRepository', () => {
  test.each([
    ['ghcr.io/Acme-Corp/Shop-API', 'ghcr.io/acme-corp/shop-api', 'ghcr.io', 'acme-corp/shop-api', true],
    ['127.0.0.1:5000/team/app', '127.0.0.1:5000/team/app', '127.0.0.1:5000', 'team/app', false],
    ['localhost/app', 'localhost/app', 'localhost', 'app', false],
    ['Owner/App', 'owner/app', 'docker.io', 'owner/app', true],
    ['alpine', 'alpine', 'docker.io', 'library/alpine', false],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      'svc',
      false,
    ],
  ])('%s', (text, name, registry, path, lowercased) => {
    expect(parseRepository(text)).toEqual({ name, registry, path, lowercased });
  });

  test.each([
    '',
    'ghcr.io//app',
    'ghcr.io/-app',
    'ghcr.io/app@sha256:abc',
    'has space/app',
    'ghcr.io/a..b',
    'bad_host:99999999/app',
  ])('rejects %j', (text) => {
    expect(() => parseRepository(text)).toThrow();
  });
});

describe('tags', () => {
  test.each([
    ['1.2.3', undefined],
    ['Feature-X_1', undefined],
    ['_under', undefined],
    ['a'.repeat(128), undefined],
    ['a'.repeat(129), /at most 128/],
    ['-dash', /starts with "-"/],
    ['.dot', /starts with "."/],
    ['bad tag', /characters other than/],
    ['v1+build', /characters other than/],
    ['', /characters other than/],
  ])('%j', (tag, problem) => {
    const got = tagProblem(tag);
    if (problem === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(problem);
  });

  test.each([
    ['ghcr.io/Acme/App:Feature-X', 'ghcr.io/acme/app:Feature-X'],
    ['127.0.0.1:5000/app:1', '127.0.0.1:5000/app:1'],
    ['App:Latest', 'app:Latest'],
  ])('parseImageRef(%s) keeps the tag case and lowercases the repository', (text, ref) => {
    expect(parseImageRef(text).ref).toBe(ref);
  });

  test.each([
    ['127.0.0.1:5000/app', /no tag/],
    ['ghcr.io/a/b:bad tag!', /characters other than/],
    ['ghcr.io/a/b@sha256:0123', /digest/],
  ])('parseImageRef(%s) fails', (text, message) => {
    expect(() => parseImageRef(text)).toThrow(message);
  });

  test('splitTag ignores the registry port', () => {
    expect(splitTag('127.0.0.1:5000/app')).toEqual({ name: '127.0.0.1:5000/app', tag: undefined });
    expect(splitTag('127.0.0.1:5000/app:v1')).toEqual({ name: '127.0.0.1:5000/app', tag: 'v1' });
  });
});

describe('ecrRegistry', () => {
  test.each([
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com', { accountId: '123456789012', region: 'us-east-1' }],
    [
      '123456789012.dkr-fips.ecr.us-gov-west-1.amazonaws.com',
      { accountId: '123456789012', region: 'us-gov-west-1' },
    ],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', { accountId: '123456789012', region: 'cn-north-1' }],
    ['ghcr.io', undefined],
    ['public.ecr.aws', undefined],
    ['12345.dkr.ecr.us-east-1.amazonaws.com', undefined],
  ])('%s', (host, want) => {
    expect(ecrRegistry(host)).toEqual(want);
  });
});

describe('insecure registries from registries.conf', () => {
  test('reads location and prefix of insecure tables only', () => {
    const conf = `# sandbox
unqualified-search-registries = ["docker.io"]

[[registry]]
location = "127.0.0.1:15001"
insecure = true

[[registry]]
prefix = "mirror.local/team"
location = "mirror.local:5000/team"
insecure=true # plain http

[[registry]]
location = "ghcr.io"
insecure = false

[[registry.mirror]]
location = "not-a-registry-table.example"
insecure = true
`;
    expect(parseInsecureRegistries(conf)).toEqual(['127.0.0.1:15001', 'mirror.local']);
  });
});
