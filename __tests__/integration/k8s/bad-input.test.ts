// Bad input: each case gets one clear error naming the problem, and nothing is written — checked
// by comparing every resourceVersion in the namespace (kubectl) before and after.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  createNamespace,
  deleteNamespace,
  k8sSandbox,
  kubectl,
  kubectlApply,
  resourceVersions,
} from '../../support/k8s.js';
import { manifests, runBlueGreen } from '../../support/k8s-run.js';
import type { SandboxEnv } from '../../support/sandbox.js';

const REG = 'registry.example/web';
let sb: SandboxEnv;
let ns: string;
let dir: string;
let before: Record<string, string>;
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

beforeAll(async () => {
  sb = k8sSandbox();
  ns = createNamespace(sb, 'hac-bad');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bad-'));
  file('good.yaml', manifests('bad', `${REG}:1.0`));
  const r = await runBlueGreen(sb, ns, { manifests: path.join(dir, 'good.yaml') });
  if (r.error) throw r.error;
  kubectlApply(
    sb,
    ns,
    JSON.stringify({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'other-route' },
      spec: { rules: [{ backendRefs: [{ name: 'unrelated', port: 80 }] }] },
    }),
  );
  file('configmap-only.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: only\ndata:\n  a: b\n');
  file(
    'malformed.yaml',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  labels: [a, b\nspec: {}\n',
  );
  file(
    'two.yaml',
    `${manifests('bad', `${REG}:1.0`)}---\n${manifests('bad2', `${REG}:1.0`).split('---')[0]}`,
  );
  file('nokind.yaml', 'apiVersion: v1\nmetadata:\n  name: x\n');
  file(
    'otherns.yaml',
    manifests('bad', `${REG}:1.0`).replace(
      '  name: bad\nspec:\n  replicas',
      '  name: bad\n  namespace: elsewhere\nspec:\n  replicas',
    ),
  );
  file(
    'unknown-kind.yaml',
    `${manifests('bad', `${REG}:1.0`)}---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n`,
  );
  file(
    'invalid-field.yaml',
    manifests('bad', `${REG}:1.0`).replace('containerPort: 8080', 'containerPort: 99999'),
  );
  file(
    'badname.yaml',
    manifests('bad', `${REG}:1.0`).replace(
      'kind: Service\nmetadata:\n  name: bad',
      'kind: Service\nmetadata:\n  name: Bad_Name',
    ),
  );
  // Wait until the controllers have settled (status updates move resourceVersions too).
  for (let i = 0; i < 30; i++) {
    const a = resourceVersions(sb, ns);
    await new Promise((r) => setTimeout(r, 1000));
    before = resourceVersions(sb, ns);
    if (JSON.stringify(a) === JSON.stringify(before)) break;
  }
}, 120_000);

afterAll(() => deleteNamespace(sb, ns));

const m = (name: string) => path.join(dir, name);

// [case, inputs, expected error]
const cases: [string, () => Record<string, string>, RegExp][] = [
  [
    'namespace that does not exist',
    () => ({ manifests: m('good.yaml'), namespace: 'hac-no-such-namespace' }),
    /Namespace "hac-no-such-namespace" does not exist/,
  ],
  [
    'namespace that is not a name',
    () => ({ manifests: m('good.yaml'), namespace: 'Bad_NS' }),
    /input "namespace": got "Bad_NS"/,
  ],
  [
    'manifests without a Deployment',
    () => ({ manifests: m('configmap-only.yaml') }),
    /contain no Deployment/,
  ],
  [
    'image matching no container',
    () => ({ manifests: m('good.yaml'), images: 'registry.example/other:2.0' }),
    /"registry.example\/other:2.0" matches no container/,
  ],
  [
    'malformed YAML',
    () => ({ manifests: m('malformed.yaml') }),
    /malformed\.yaml \(document 1\): malformed YAML/,
  ],
  [
    'bad duration',
    () => ({ manifests: m('good.yaml'), timeout: 'soon' }),
    /input "timeout": got "soon"; expected a duration/,
  ],
  [
    'unknown route method',
    () => ({ manifests: m('good.yaml'), route: 'istio' }),
    /input "route": got "istio"; expected one of "service", "gateway-api"/,
  ],
  ['glob matching no file', () => ({ manifests: path.join(dir, 'nothing-*.yaml') }), /matches no file/],
  [
    'manifests and image together',
    () => ({ manifests: m('good.yaml'), image: `${REG}:2.0` }),
    /input "image": got .*expected empty when manifests are given/,
  ],
  [
    'neither manifests nor image',
    () => ({}),
    /input "image": got an empty value; expected an image reference/,
  ],
  [
    'app that is not a DNS label',
    () => ({ app: 'Bad_App', image: `${REG}:2.0` }),
    /input "app": got "Bad_App"/,
  ],
  [
    'image that is not a reference',
    () => ({ app: 'bad', image: 'UPPER/Case:tag' }),
    /input "image": got "UPPER\/Case:tag"/,
  ],
  [
    'replicas 0',
    () => ({ manifests: m('good.yaml'), replicas: '0' }),
    /input "replicas": got "0"; expected an integer from 1 to 1000/,
  ],
  [
    'port out of range',
    () => ({ app: 'bad', image: `${REG}:2.0`, port: '70000' }),
    /input "port": got "70000"/,
  ],
  [
    'keep-old-for not a duration',
    () => ({ manifests: m('good.yaml'), 'keep-old-for': 'forever' }),
    /input "keep-old-for": got "forever"/,
  ],
  [
    'unknown old-color-action',
    () => ({ manifests: m('good.yaml'), 'old-color-action': 'shred' }),
    /input "old-color-action": got "shred"/,
  ],
  [
    'unknown action',
    () => ({ manifests: m('good.yaml'), action: 'explode' }),
    /input "action": got "explode"/,
  ],
  ['promote with nothing to promote', () => ({ action: 'promote', app: 'bad' }), /Nothing to promote/],
  ['abort with nothing to abort', () => ({ action: 'abort', app: 'bad' }), /Nothing to abort/],
  [
    'rollback with no recorded state',
    () => ({ action: 'rollback', app: 'ghost' }),
    /Nothing to roll back: no blue-green state is recorded/,
  ],
  ['rollback without app', () => ({ action: 'rollback' }), /input "app": got an empty value/],
  [
    'preview URL with a bad scheme',
    () => ({ manifests: m('good.yaml'), 'preview-urls': 'ftp://example.com/x' }),
    /input "preview-urls": got "ftp:\/\/example.com\/x"/,
  ],
  [
    'preview checks that are not YAML checks',
    () => ({ manifests: m('good.yaml'), 'preview-checks': '- url: [unclosed' }),
    /input "preview-checks"/,
  ],
  [
    'http-route without gateway-api',
    () => ({ manifests: m('good.yaml'), 'http-route': 'web' }),
    /input "http-route": got "web"; expected empty unless route is gateway-api/,
  ],
  [
    'HTTPRoute that does not exist',
    () => ({ manifests: m('good.yaml'), route: 'gateway-api', 'http-route': 'missing' }),
    /HTTPRoute "missing" does not exist/,
  ],
  [
    'HTTPRoute with no backendRef to the app',
    () => ({ manifests: m('good.yaml'), route: 'gateway-api', 'http-route': 'other-route' }),
    /has no backendRef to Service "bad"/,
  ],
  ['two Deployments', () => ({ manifests: m('two.yaml') }), /contain 2 Deployments/],
  [
    'document without kind',
    () => ({ manifests: m('nokind.yaml') }),
    /nokind\.yaml \(document 1\): missing kind/,
  ],
  [
    'manifest in another namespace',
    () => ({ manifests: m('otherns.yaml') }),
    /is in namespace "elsewhere" but the namespace input is/,
  ],
  [
    'kind the cluster does not serve',
    () => ({ manifests: m('unknown-kind.yaml') }),
    /does not serve kind Widget in example.com\/v1/,
  ],
  [
    'field the apiserver rejects (dry run)',
    () => ({ manifests: m('invalid-field.yaml') }),
    /rejected apply Deployment\/bad-green: .*containerPort/,
  ],
  [
    'object name that is not valid',
    () => ({ manifests: m('badname.yaml') }),
    /metadata.name "Bad_Name" is not a valid Kubernetes name/,
  ],
  [
    'dry-run not a boolean',
    () => ({ manifests: m('good.yaml'), 'dry-run': 'maybe' }),
    /input "dry-run": got "maybe"; expected true or false/,
  ],
  [
    'run-id with spaces',
    () => ({ manifests: m('good.yaml'), 'run-id': 'my run' }),
    /input "run-id": got "my run"/,
  ],
  [
    'kubeconfig input that is not a kubeconfig',
    () => ({ manifests: m('good.yaml'), kubeconfig: 'hello: world' }),
    /input "kubeconfig": got "\*\*\*"/,
  ],
  [
    'gate-wait over the limit',
    () => ({ manifests: m('good.yaml'), 'gate-wait': '2h' }),
    /input "gate-wait": got "2h"/,
  ],
];

describe('bad input: one clear error, nothing written', () => {
  test('at least 25 cases', () => expect(cases.length).toBeGreaterThanOrEqual(25));

  test.each(cases)('%s', async (_name, inputs, expected) => {
    const r = await runBlueGreen(sb, ns, inputs());
    expect(r.error).toBeDefined();
    expect(r.error!.message).toMatch(expected);
    expect(r.outputs['verdict']).toBe('failed');
    expect(resourceVersions(sb, ns)).toEqual(before);
  });

  test('an unknown context in a kubeconfig input names the contexts it has', async () => {
    const text = kubectl(sb, ['config', 'view', '--raw']).stdout;
    const r = await runBlueGreen(
      sb,
      ns,
      { manifests: m('good.yaml'), context: 'no-such-context' },
      { kubeconfig: text },
    );
    expect(r.error?.message).toMatch(/no context "no-such-context" \(it has: /);
    expect(resourceVersions(sb, ns)).toEqual(before);
  });
});
