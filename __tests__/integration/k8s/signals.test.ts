// Cancellation: the action runs as a real process (the bundle). SIGTERM mid-run makes main roll
// back itself; a main killed outright (SIGKILL after the runner's grace period) leaves the post
// step to restore the last safe state from the saved progress.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  createNamespace,
  deleteNamespace,
  k8sSandbox,
  kubectlGet,
  watchInvariant,
} from '../../support/k8s.js';
import { manifests, runBlueGreen } from '../../support/k8s-run.js';
import { actionEnv, bluegreenBundle, parseRunnerFile, runNode } from '../../support/k8s-bundle.js';
import type { SandboxEnv } from '../../support/sandbox.js';

const REG = 'registry.example/web';
let sb: SandboxEnv;
let ns: string;
let dir: string;
let bundle: { main: string; post: string };

beforeAll(async () => {
  sb = k8sSandbox();
  ns = createNamespace(sb, 'hac-sig');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-sig-'));
  bundle = await bluegreenBundle();
}, 300_000);

afterAll(() => deleteNamespace(sb, ns));

async function until(what: string, fn: () => boolean, timeoutMs = 60_000) {
  const start = Date.now();
  while (!fn()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.each([
  ['SIGTERM', 'main rolls back itself'],
  ['SIGKILL', 'the post step restores'],
] as const)('%s after the switch: %s', (sig, _what) => {
  test('traffic ends on the old color, the new color is removed, the lease is free', async () => {
    const app = `sig-${sig.toLowerCase()}`;
    const file = path.join(dir, `${app}.yaml`);
    fs.writeFileSync(file, manifests(app, `${REG}:1.0`));
    const first = await runBlueGreen(sb, ns, { manifests: file });
    expect(first.error).toBeUndefined();
    const watch = watchInvariant(sb, ns, app);
    await watch.waitReady(2);

    const runner = fs.mkdtempSync(path.join(dir, 'runner-'));
    const inputs = {
      'allow-paths-outside-workspace': 'true',
      manifests: file,
      images: `${REG}:2.0`,
      namespace: ns,
      'keep-old-for': '5m',
      'run-id': `${app}-run`,
      timeout: '60s',
    };
    const env = actionEnv(inputs, runner, { KUBECONFIG: sb.kubeconfig });
    const { child, done } = runNode(bundle.main, env);
    await until(
      'the switch to green',
      () => kubectlGet(sb, ns, `service ${app}`)?.spec.selector.color === 'green',
    );
    child.kill(sig);
    const res = await done;
    if (sig === 'SIGTERM') {
      expect(res.code).not.toBe(0);
      expect(res.stdout).toMatch(/rolled back|Cancelled/);
      expect(kubectlGet(sb, ns, `service ${app}`).spec.selector.color).toBe('blue');
    } else {
      expect(res.signal).toBe('SIGKILL');
      expect(kubectlGet(sb, ns, `service ${app}`).spec.selector.color).toBe('green');
    }
    // The post step, with the state main saved.
    const state = parseRunnerFile(env.GITHUB_STATE as string);
    expect(Object.keys(state)).toContain('k8s-bluegreen');
    const postEnv: NodeJS.ProcessEnv = { ...env };
    for (const [k, v] of Object.entries(state)) postEnv[`STATE_${k}`] = v;
    const post = await runNode(bundle.post, postEnv).done;
    expect(post.code).toBe(0);
    if (sig === 'SIGKILL') expect(post.stdout).toMatch(/did not finish/);
    expect(kubectlGet(sb, ns, `service ${app}`).spec.selector.color).toBe('blue');
    expect(kubectlGet(sb, ns, `deployment ${app}-green`)).toBeUndefined();
    expect(kubectlGet(sb, ns, `deployment ${app}-blue`).spec.replicas).toBe(2);
    expect(kubectlGet(sb, ns, `lease hac-${app}`).spec.holderIdentity ?? '').toBe('');
    expect((await watch.stop()).violations).toEqual([]);
  }, 180_000);
});
