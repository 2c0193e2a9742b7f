import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { buildRootBundle, runRoot } from '../../support/root-run.js';
import { requireSandbox, sandboxProcessEnv, uniqueName } from '../../support/sandbox.js';
import { motoBaseAmi } from '../../support/aws.js';
import { allocate, fixture, launch, whereIs, type Fixture } from '../aws/swap-eip.fixture.js';
import { tagList } from '../image/registry-api.js';

// Each of the six actions run through the root action (selector `hac-action`), as the runner runs
// it: every root input set, '' when not given. Checked with independent clients (kubectl, the
// registry's HTTP API, an EC2 client straight to moto). The root bundle is built from the source;
// the actions' bundles are the committed dist/<name>.
let bundle: string;
let distDir: string;
beforeAll(() => {
  ({ bundle, dir: distDir } = buildRootBundle());
}, 120_000);
afterAll(() => fs.rmSync(distDir, { recursive: true, force: true }));

describe('smoke-test through the root', () => {
  test('passes against a live server, and a k8s-only input is refused before any request', async () => {
    let requests = 0;
    const server = http.createServer((_q, r) => (requests++, r.end('ipsvc version 2.0.0')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const ok = await runRoot(bundle, { 'hac-action': 'smoke-test', url, contains: 'version 2.0.0' });
      expect([ok.status, ok.outputs.passed]).toEqual([0, 'true']);
      expect(requests).toBeGreaterThan(0);
      const before = requests;
      const bad = await runRoot(bundle, { 'hac-action': 'smoke-test', url, action: 'promote' });
      expect(bad.status).toBe(1);
      expect(bad.stdout).toContain('hac/smoke-test has no input "action"');
      expect(requests).toBe(before);
    } finally {
      server.close();
    }
  }, 60_000);
});

describe('docker-build-push through the root', () => {
  test('builds with buildah and pushes to the sandbox registry', async () => {
    const sb = requireSandbox(['registry', 'buildah']);
    const context = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-root-ctx-'));
    fs.writeFileSync(path.join(context, 'hello.txt'), 'hello\n');
    fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${sb.baseImage}\nCOPY hello.txt /hello.txt\n`);
    const repo = `${sb.registry}/hac-root/${uniqueName('img')}`;
    try {
      const r = await runRoot(
        bundle,
        {
          'hac-action': 'docker-build-push',
          engine: 'buildah',
          context,
          images: repo,
          tags: 'v1',
          'auto-tags': 'false',
          push: 'true',
          'insecure-registries': sb.registry,
          'allow-paths-outside-workspace': 'true',
        },
        sandboxProcessEnv(sb),
      );
      expect([r.status, r.status === 0 ? '' : r.stdout.slice(-3000)]).toEqual([0, '']);
      expect(r.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await tagList(repo)).toContain('v1');
    } finally {
      fs.rmSync(context, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('EC2 actions through the root (moto)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
  });
  afterAll(() => f?.close());
  const aws = () => ({ ...f.sb.env, AWS_ENDPOINT_URL: f.sb.endpoint });

  test('build-ami builds an image from a base AMI', async () => {
    const runId = uniqueName('root-ami');
    // moto's instances do not boot: play the instance's part and power it off (only this run's).
    // One poll at a time: a slow moto must not pile up requests behind the build's own.
    let polling = false;
    const stopper = setInterval(() => {
      if (polling) return;
      polling = true;
      void f.ec2
        .send(
          new DescribeInstancesCommand({
            Filters: [
              { Name: 'tag:hac:run-id', Values: [runId] },
              { Name: 'instance-state-name', Values: ['running'] },
            ],
          }),
        )
        .then((o) =>
          (o.Reservations ?? []).flatMap((x) => x.Instances ?? []).map((i) => i.InstanceId as string),
        )
        .then((ids) => (ids.length ? f.ec2.send(new StopInstancesCommand({ InstanceIds: ids })) : undefined))
        .catch(() => undefined)
        .finally(() => (polling = false));
    }, 500);
    try {
      const base = await motoBaseAmi(f.ec2);
      const r = await runRoot(
        bundle,
        {
          'hac-action': 'build-ami',
          app: 'rootapp',
          'run-id': runId,
          'base-ami': base.id,
          'user-data': '#!/bin/sh\necho provisioned\n',
          timeout: '5m',
          'image-timeout': '5m',
        },
        aws(),
      );
      expect([r.status, r.status === 0 ? '' : r.stdout.slice(-3000)]).toEqual([0, '']);
      const ami = r.outputs['ami-id'] as string;
      const seen = await f.ec2.send(new DescribeImagesCommand({ ImageIds: [ami] }));
      expect(seen.Images?.[0]?.State).toBe('available');
      await f.ec2.send(new DeregisterImageCommand({ ImageId: ami }));
    } finally {
      clearInterval(stopper);
    }
  }, 300_000);

  test('swap-eip moves the Elastic IP to the new instance behind its health gate', async () => {
    const oldId = await launch(f);
    const newId = await launch(f);
    const eip = await allocate(f, oldId);
    f.health.healthy.add(newId);
    const r = await runRoot(
      bundle,
      {
        'hac-action': 'swap-eip',
        'instance-id': newId,
        'allocation-id': eip.allocationId,
        'health-url': `${f.health.origin}/pre/${newId}`,
        'post-swap-url': `${f.health.origin}/post/x`,
        grace: '0s',
        'old-instance': 'keep',
      },
      aws(),
    );
    expect([r.status, r.stdout.slice(-2000)]).toEqual([0, expect.any(String)]);
    expect((await whereIs(f, eip.allocationId)).instanceId).toBe(newId);
  }, 300_000);
});

describe('k8s actions through the root: deploy, promote and abort', () => {
  const kube = () => requireSandbox(['k8s']);
  function kubectl(args: string[]): string {
    const sb = kube();
    return execFileSync(sb.kubectl, ['--kubeconfig', sb.kubeconfig, '-n', sb.namespace, ...args], {
      encoding: 'utf8',
    });
  }
  /** Images of the Deployments whose pods the Service `app` selects. */
  function liveImages(app: string): string[] {
    const svc = JSON.parse(kubectl(['get', 'service', app, '-o', 'json']));
    const selector = svc.spec.selector as Record<string, string>;
    const deps = JSON.parse(kubectl(['get', 'deployments', '-o', 'json'])).items as any[];
    return deps
      .filter((d) => (d.spec.replicas ?? 1) > 0)
      .filter((d) => Object.entries(selector).every(([k, v]) => d.spec.template.metadata.labels?.[k] === v))
      .map((d) => d.spec.template.spec.containers[0].image)
      .sort();
  }
  const run = (action: string, inputs: Record<string, string>) => {
    const sb = kube();
    return runRoot(
      bundle,
      { 'hac-action': action, namespace: sb.namespace, timeout: '2m', ...inputs },
      { KUBECONFIG: sb.deployerKubeconfig },
    );
  };
  const expectOk = (
    r: { status: number | null; stdout: string; outputs: Record<string, string> },
    verdict: string,
  ) =>
    expect([r.status, r.outputs.verdict, r.status === 0 ? '' : r.stdout.slice(-2000)]).toEqual([
      0,
      verdict,
      '',
    ]);

  test('k8s-canary: a paused canary is promoted, the next one aborted', async () => {
    const app = uniqueName('rc').slice(0, 30);
    const img = (v: string) => `registry.example/ipsvc:${v}`;
    expectOk(await run('k8s-canary', { app, image: img('1'), replicas: '2' }), 'initial');
    expectOk(await run('k8s-canary', { app, image: img('2'), replicas: '2', steps: '50' }), 'paused');
    expectOk(await run('k8s-canary', { action: 'promote', app }), 'promoted');
    expect(liveImages(app)).toEqual([img('2')]);
    expectOk(await run('k8s-canary', { app, image: img('3'), replicas: '2', steps: '50' }), 'paused');
    expectOk(await run('k8s-canary', { action: 'abort', app }), 'aborted');
    expect(liveImages(app)).toEqual([img('2')]);
  }, 600_000);

  test('k8s-bluegreen: a previewed color is promoted, the next one aborted', async () => {
    const app = uniqueName('rb').slice(0, 30);
    const img = (v: string) => `registry.example/ipsvc:${v}`;
    expectOk(await run('k8s-bluegreen', { app, image: img('1'), replicas: '2' }), 'promoted');
    expectOk(
      await run('k8s-bluegreen', { app, image: img('2'), replicas: '2', 'auto-promote': 'false' }),
      'previewing',
    );
    expect(liveImages(app)).toEqual([img('1')]);
    expectOk(await run('k8s-bluegreen', { action: 'promote', app }), 'promoted');
    expect(liveImages(app)).toEqual([img('2')]);
    expectOk(
      await run('k8s-bluegreen', { app, image: img('3'), replicas: '2', 'auto-promote': 'false' }),
      'previewing',
    );
    expectOk(await run('k8s-bluegreen', { action: 'abort', app }), 'aborted');
    expect(liveImages(app)).toEqual([img('2')]);
  }, 600_000);
});
