// Which kubeconfigs take the direct path (node:https, no client-node), and what it reads from them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { kubeconfigFile, readDirectAccess } from '../../../packages/k8s/direct.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-direct-'));
  fs.writeFileSync(path.join(dir, 'ca.crt'), 'CA FROM FILE');
  fs.writeFileSync(path.join(dir, 'token'), 'tok-from-file\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString('base64');
function config(cluster: object, user: object, extra: object = {}) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [
      { name: 'main', context: { cluster: 'c', user: 'u', namespace: 'apps' } },
      { name: 'other', context: { cluster: 'c', user: 'u' } },
    ],
    'current-context': 'main',
    ...extra,
  });
}

describe('readDirectAccess: plain kubeconfigs are read directly', () => {
  test('CA data and a token; the context namespace', () => {
    const r = readDirectAccess(
      config({ 'certificate-authority-data': b64('CA') }, { token: 's3cret' }),
      path.join(dir, 'k'),
    );
    expect('access' in r && r.access).toMatchObject({
      server: 'https://10.0.0.1:6443',
      context: 'main',
      namespace: 'apps',
      token: 's3cret',
      insecureSkipTlsVerify: false,
    });
    expect('access' in r && r.access.ca?.toString()).toBe('CA');
  });

  test('files relative to the kubeconfig, a token file, and a chosen context', () => {
    const r = readDirectAccess(
      config({ 'certificate-authority': 'ca.crt' }, { tokenFile: 'token' }),
      path.join(dir, 'kubeconfig'),
      'other',
    );
    expect('access' in r && r.access.ca?.toString()).toBe('CA FROM FILE');
    expect('access' in r && r.access.tokenFile).toBe(path.join(dir, 'token'));
    expect('access' in r && r.access.context).toBe('other');
    expect('access' in r && r.access.namespace).toBeUndefined();
  });

  test('client certificate data and insecure-skip-tls-verify', () => {
    const r = readDirectAccess(
      config(
        { 'insecure-skip-tls-verify': true },
        { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
      ),
      'k',
    );
    expect('access' in r && [r.access.cert?.toString(), r.access.key?.toString()]).toEqual(['CERT', 'KEY']);
    expect('access' in r && r.access.insecureSkipTlsVerify).toBe(true);
  });
});

describe('readDirectAccess: everything else falls back to client-node, with the reason', () => {
  test.each<[string, string, string | undefined, RegExp]>([
    ['an exec plugin', config({}, { exec: { command: 'aws', apiVersion: 'x' } }), undefined, /uses "exec"/],
    [
      'an auth provider',
      config({}, { 'auth-provider': { name: 'oidc' } }),
      undefined,
      /uses "auth-provider"/,
    ],
    ['basic auth', config({}, { username: 'a', password: 'b' }), undefined, /uses "username"/],
    ['impersonation', config({}, { token: 't', as: 'admin' }), undefined, /uses "as"/],
    ['a proxy', config({ 'proxy-url': 'http://proxy:3128' }, { token: 't' }), undefined, /uses "proxy-url"/],
    ['an unknown context', config({}, { token: 't' }), 'nope', /no context "nope"/],
    [
      'no current context',
      config({}, { token: 't' }, { 'current-context': '' }),
      undefined,
      /no current context/,
    ],
    ['not YAML', '{{{', undefined, /not YAML/],
    ['not a map', '[1, 2]', undefined, /not a kubeconfig map/],
    [
      'a server that is not http(s)',
      config({ server: 'unix:///k.sock' }, { token: 't' }),
      undefined,
      /no http\(s\) server/,
    ],
    [
      'a missing CA file',
      config({ 'certificate-authority': 'missing.crt' }, {}),
      undefined,
      /cannot read a file/,
    ],
  ])('%s', (_t, text, context, reason) => {
    const r = readDirectAccess(text, path.join(dir, 'k'), context);
    expect('fallback' in r && r.fallback).toMatch(reason);
  });
});

describe('kubeconfigFile', () => {
  test('the explicit path wins', () => {
    expect(kubeconfigFile('/x/k', { KUBECONFIG: '/y' })).toBe('/x/k');
  });
  test('one KUBECONFIG path', () => {
    const f = path.join(dir, 'ca.crt');
    expect(kubeconfigFile(undefined, { KUBECONFIG: f })).toBe(f);
  });
  test('several KUBECONFIG paths are merged by client-node', () => {
    expect(kubeconfigFile(undefined, { KUBECONFIG: `/a${path.delimiter}/b` })).toEqual({
      fallback: expect.stringMatching(/several files/),
    });
  });
  test('no file: in-cluster config or an error, from client-node', () => {
    expect(kubeconfigFile(undefined, {}, path.join(dir, 'home'))).toEqual({
      fallback: expect.stringMatching(/no kubeconfig at/),
    });
  });
});
