// The three ways the peer benchmark deploys the same app: hac's bundles (main + post, as the
// runner runs them), Azure/k8s-deploy v7.0.0 (its built bundle, which shells out to kubectl) and a
// plain kubectl script. Each driver has a baseline (v1, not measured) and the measured release
// (v2) for blue-green and for a canary at 25% then promote, plus a release whose new pods never
// become Ready (`fail`).
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import {
  appManifest,
  canaryDeployment,
  canarySplit,
  colorDeployment,
  colorService,
  image,
} from './manifests.mjs';
import { runAction, stepEnv, timedNode } from './runner.mjs';

export const REPLICAS = 4;
const FAIL_TIMEOUT = '6s';

/** Sums the timings of steps run one after another (two jobs, or deploy then promote). */
function chain(results) {
  const sum = (k) => results.reduce((s, r) => s + (r[k] ?? 0), 0);
  const bad = results.find((r) => r.code !== 0 || (r.postCode ?? 0) !== 0);
  return {
    code: bad ? bad.code || bad.postCode : 0,
    mainMs: sum('mainMs'),
    postMs: sum('postMs'),
    wallMs: sum('wallMs'),
    apiRequests: results.every((r) => r.outputs?.['api-requests'])
      ? results.reduce((s, r) => s + Number(r.outputs['api-requests']), 0)
      : undefined,
    out: results.map((r) => r.out).join('\n'),
    postState: results.findLast((r) => r.postState)?.postState,
  };
}

function manifestFile(ctx, name, text) {
  const file = path.join(ctx.work, `${ctx.id.ns}-${name}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

// ---------- hac ----------
function hacStep(ctx, bundle, inputs) {
  return runAction({
    main: bundle.main,
    post: bundle.post,
    inputs: { namespace: ctx.id.ns, 'run-id': `bench-${ctx.id.ns}`, ...inputs },
    workDir: ctx.work,
    extraEnv: { KUBECONFIG: ctx.id.kubeconfig },
  });
}

export const hac = {
  name: 'hac',
  async baseline(ctx, scenario) {
    const manifests = manifestFile(ctx, 'app', appManifest({ img: image('v1'), replicas: REPLICAS }));
    const bundle = scenario === 'blue-green' ? ctx.bundles.bluegreen : ctx.bundles.canary;
    return chain([await hacStep(ctx, bundle, { manifests, 'gate-wait': '0s' })]);
  },
  async release(ctx, scenario, { fail = false } = {}) {
    const manifests = fail
      ? manifestFile(ctx, 'fail', appManifest({ img: image('v1'), replicas: REPLICAS, failReadiness: true }))
      : manifestFile(ctx, 'app', appManifest({ img: image('v1'), replicas: REPLICAS }));
    const common = {
      manifests,
      images: image('v2'),
      'gate-wait': '0s',
      ...(fail ? { timeout: FAIL_TIMEOUT } : {}),
    };
    if (scenario === 'blue-green') return chain([await hacStep(ctx, ctx.bundles.bluegreen, common)]);
    const deploy = await hacStep(ctx, ctx.bundles.canary, { ...common, steps: '25', pause: '0' });
    if (fail || deploy.code !== 0) return chain([deploy]);
    const promote = await hacStep(ctx, ctx.bundles.canary, { action: 'promote', app: 'web' });
    return chain([deploy, promote]);
  },
};

// ---------- Azure/k8s-deploy ----------
/** The peer's bundle: HAC_PEER_K8S_DEPLOY, else ../shared/peers/azure-k8s-deploy-v7.0.0 beside the repo. */
export function findK8sDeploy(repoRoot) {
  const candidates = [
    process.env.HAC_PEER_K8S_DEPLOY,
    path.resolve(repoRoot, '..', 'shared', 'peers', 'azure-k8s-deploy-v7.0.0'),
  ].filter(Boolean);
  for (const c of candidates) {
    const dir = fs.existsSync(c) && fs.statSync(c).isFile() ? path.dirname(c) : c;
    if (fs.existsSync(path.join(dir, 'index.js')) && fs.existsSync(path.join(dir, 'action.yml'))) return dir;
  }
  return undefined;
}

function k8sDeployStep(ctx, inputs) {
  const dir = ctx.k8sDeployDir;
  const defaults = {};
  for (const [k, v] of Object.entries(
    YAML.parse(fs.readFileSync(path.join(dir, 'action.yml'), 'utf8')).inputs,
  ))
    if (v.default !== undefined) defaults[k] = String(v.default);
  const runner = fs.mkdtempSync(path.join(ctx.work, 'k8s-deploy-'));
  const all = { ...defaults, token: 'unused', 'pull-images': 'false', namespace: ctx.id.ns, ...inputs };
  const env = stepEnv(all, runner, {
    KUBECONFIG: ctx.id.kubeconfig,
    PATH: `${path.dirname(ctx.kubectlBin)}${path.delimiter}${process.env.PATH}`,
    GITHUB_WORKFLOW: '.github/workflows/bench.yml',
    GITHUB_WORKSPACE: ctx.work,
  });
  return timedNode(path.join(dir, 'index.js'), env).then((r) => ({
    code: r.code,
    mainMs: r.ms,
    postMs: 0,
    wallMs: r.ms,
    out: r.out,
  }));
}

export const k8sDeploy = {
  name: 'Azure/k8s-deploy',
  async baseline(ctx, scenario) {
    const manifests = manifestFile(ctx, 'app', appManifest({ img: image('v1'), replicas: REPLICAS }));
    if (scenario === 'canary') return chain([await k8sDeployStep(ctx, { manifests, strategy: 'basic' })]);
    const bg = { manifests, strategy: 'blue-green', 'route-method': 'service' };
    return chain([await k8sDeployStep(ctx, bg), await k8sDeployStep(ctx, { ...bg, action: 'promote' })]);
  },
  async release(ctx, scenario, { fail = false } = {}) {
    const manifests = manifestFile(
      ctx,
      fail ? 'fail' : 'app',
      appManifest({ img: image('v1'), replicas: REPLICAS, failReadiness: fail }),
    );
    const common = { manifests, images: image('v2'), ...(fail ? { timeout: FAIL_TIMEOUT } : {}) };
    const inputs =
      scenario === 'blue-green'
        ? { ...common, strategy: 'blue-green', 'route-method': 'service' }
        : { ...common, strategy: 'canary', 'traffic-split-method': 'pod', percentage: '25' };
    const deploy = await k8sDeployStep(ctx, inputs);
    if (fail || deploy.code !== 0) return chain([deploy]);
    return chain([deploy, await k8sDeployStep(ctx, { ...inputs, action: 'promote' })]);
  },
};

// ---------- a plain kubectl script ----------
async function kubectlScript(ctx, commands) {
  const t0 = performance.now();
  let code = 0;
  let out = '';
  let waitMs = 0;
  for (const [args, input] of commands) {
    const t1 = performance.now();
    try {
      out += await ctx.kcAs(args, input);
      if (args[0] === 'rollout') waitMs += performance.now() - t1;
    } catch (err) {
      code = 1; // set -e
      out += err.message;
      break;
    }
  }
  const ms = performance.now() - t0;
  return { code, mainMs: ms, postMs: 0, wallMs: ms, waitMs, out };
}

const rollout = (name) => [[['rollout', 'status', `deployment/${name}`, '--timeout=60s']]];

export const kubectl = {
  name: 'kubectl script',
  baseline(ctx, scenario) {
    const v1 = { img: image('v1'), replicas: REPLICAS };
    const objs =
      scenario === 'blue-green'
        ? colorDeployment({ color: 'blue', ...v1 }) + '---\n' + colorService('web', 'blue')
        : appManifest(v1);
    const name = scenario === 'blue-green' ? 'web-blue' : 'web';
    return kubectlScript(ctx, [[['apply', '-f', '-'], objs], ...rollout(name)]);
  },
  release(ctx, scenario, { fail = false } = {}) {
    const timeout = fail ? [`--timeout=${FAIL_TIMEOUT}`] : ['--timeout=60s'];
    const status = (name) => [[['rollout', 'status', `deployment/${name}`, ...timeout]]];
    if (scenario === 'blue-green') {
      const green = colorDeployment({
        color: 'green',
        img: image('v2'),
        replicas: REPLICAS,
        failReadiness: fail,
      });
      const selector = JSON.stringify({ spec: { selector: { app: 'web', color: 'green' } } });
      return kubectlScript(ctx, [
        [['apply', '-f', '-'], green],
        ...status('web-green'),
        [['patch', 'service', 'web', '--type', 'merge', '-p', selector]],
        [['scale', 'deployment/web-blue', '--replicas=0']],
      ]);
    }
    const { canary, stable } = canarySplit(REPLICAS, 25);
    return kubectlScript(ctx, [
      [['apply', '-f', '-'], canaryDeployment({ img: image('v2'), replicas: canary, failReadiness: fail })],
      ...status('web-canary'),
      [['scale', 'deployment/web', `--replicas=${stable}`]],
      // promote (a later job): stable to the new image at full size, then remove the canary
      [['set', 'image', 'deployment/web', `web=${image('v2')}`]],
      [['scale', 'deployment/web', `--replicas=${REPLICAS}`]],
      ...rollout('web'),
      [['delete', 'deployment/web-canary']],
    ]);
  },
};
