// Side by side with docker/build-push-action v7.3.0 (its own bundle, ../shared/peers/, benchmark
// only): the same context, inputs and buildx builder (the sandbox's buildkitd, `hac-buildkit`),
// through both bundles as the runner runs them (main, then post with the saved state).
// Cold = the builder's cache pruned before the run; warm = the same build again right after.
// Tags for the peer are computed by hand as docker/metadata-action would for a v1.2.3 tag push.
// Usage: node scripts/bench/docker-build-push-peer.mjs   (needs `sandbox up docker buildkit`)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { actionBundle, median, runBundle, sandboxEnv } from './lib.mjs';

/** Which BuildKit features the sandbox proves, and which not (the closing note of the section). */
const BUILDKIT_NOTE = [
  '**BuildKit features proven on the sandbox** (buildkitd v0.26.1 built from `github.com/moby/buildkit`, OCI worker with Debian runc 1.1.5 and the native snapshotter, reached by `docker buildx create --driver remote unix://...`; tests in `__tests__/integration/image/docker-*.test.ts`):',
  'RUN steps with `--network=none`; multi-stage `target`; build args; `RUN --mount=type=secret` from values and files (absent from layers, history, argv and logs); named build contexts; registry cache export/import (`cache-to`/`cache-from` type=registry, mode=max: after pruning the builder cache the second build has every step CACHED); provenance (mode=max) and SBOM attestations as attestation manifests in the pushed OCI index; manifest annotations; `--load` into dockerd 20.10 and `docker run`; local outputs.',
  "**Not proven:** the referrers API (distribution 2.8.2 has none: attestations are checked in the index); the default SBOM scanner `docker/buildkit-syft-scanner`, on Docker Hub, out of reach (the sandbox builds its own generator image following BuildKit's SBOM protocol, `scripts/sandbox/sbom-scanner`, so the attestation path is real but the SBOM content is minimal); `type=gha` and `s3` caches (no service); multi-platform builds (no QEMU/binfmt); `ssh` forwarding (argv only, unit-tested). dockerd 20.10's embedded builder (the `docker` driver) cannot export registry caches or attestations, which is why the tests use buildkitd.",
].join('\n\n');

const PAIRS = Number(process.env.HAC_BENCH_PEER_PAIRS ?? 3);
const SHA = 'c0ffee1234567890abcdef1234567890abcdef12';

function readRunnerFile(file) {
  const out = {};
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  for (const m of text.matchAll(/^([\w.-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) out[m[1]] = m[3];
  return out;
}

const listTree = (dir) =>
  fs.existsSync(dir)
    ? fs.readdirSync(dir, { recursive: true }).filter((f) => !['output', 'state', 'summary'].includes(f))
    : [];

/** main then post of a bundle, with INPUT_* set; wall time of main, outputs, what is left in RUNNER_TEMP. */
async function runAction(bundle, inputs, baseEnv) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bench-peer-'));
  const files = Object.fromEntries(['output', 'state', 'summary'].map((f) => [f, path.join(tmp, f)]));
  for (const f of Object.values(files)) fs.writeFileSync(f, '');
  const env = {
    ...baseEnv,
    RUNNER_TEMP: tmp,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const main = await runBundle(bundle, env);
  if (main.code !== 0) throw new Error(`${bundle} failed (exit ${main.code}): ${main.out.slice(-1500)}`);
  const outputs = readRunnerFile(files.output);
  const state = Object.fromEntries(
    Object.entries(readRunnerFile(files.state)).map(([k, v]) => [`STATE_${k}`, v]),
  );
  const post = path.join(path.dirname(bundle), 'post.js');
  const postBundle = bundle.endsWith('.cjs') ? bundle : fs.existsSync(post) ? post : undefined;
  if (postBundle) await runBundle(postBundle, { ...env, ...state });
  const left = listTree(tmp);
  fs.rmSync(tmp, { recursive: true, force: true });
  const cached = (main.out.match(/^#\d+ CACHED$/gm) ?? []).length;
  return { ms: main.ms, outputs, left, cached };
}

function peerDefaults(peerDir) {
  const action = parse(fs.readFileSync(path.join(peerDir, 'action.yml'), 'utf8'));
  return Object.fromEntries(
    Object.entries(action.inputs)
      .filter(([, v]) => v.default !== undefined && !String(v.default).includes('${{'))
      .map(([k, v]) => [k, String(v.default)]),
  );
}

const builders = (env) =>
  spawnSync('docker', ['buildx', 'ls', '--format', '{{.Name}}'], { env, encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l && !l.startsWith(' ')).length;

function metadataKeys(outputs) {
  try {
    return Object.keys(JSON.parse(outputs.metadata ?? '{}')).sort();
  } catch {
    return [];
  }
}

export async function run({ repoRoot } = {}) {
  repoRoot ??= path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const peerDir =
    process.env.HAC_PEER_BUILD_PUSH_DIR ??
    path.resolve(repoRoot, '..', 'shared', 'peers', 'docker-build-push-action-v7.3.0');
  const peer = path.join(peerDir, 'index.cjs');
  if (!fs.existsSync(peer)) throw new Error(`docker/build-push-action's bundle is not at ${peer}`);
  const hac = await actionBundle(repoRoot, 'docker-build-push', path.join(os.tmpdir(), 'no-dist'));
  const sb = sandboxEnv(repoRoot);
  const builder = sb.HAC_BUILDKIT_BUILDER;
  const fixtures = path.join(repoRoot, '__tests__', 'fixtures');
  const baseEnv = {
    ...process.env,
    ...sb,
    GITHUB_EVENT_PATH: path.join(fixtures, 'github-events', 'push-tag-v1.2.3.json'),
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/tags/v1.2.3',
    GITHUB_SHA: SHA,
    GITHUB_REPOSITORY: 'Acme-Corp/Shop-API',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: repoRoot,
    DOCKER_BUILD_SUMMARY: 'false',
    DOCKER_BUILD_RECORD_UPLOAD: 'false',
  };
  const common = (nonce) => ({
    context: path.join(fixtures, 'docker', 'multistage'),
    target: 'runtime',
    'build-args': `BASE=${sb.HAC_BASE_IMAGE}\nVERSION=${nonce}`,
    secrets: 'token=bench',
    builder,
    network: 'none',
    push: 'true',
  });
  const inputsFor = (tool, nonce) => {
    const repo = `${sb.HAC_REGISTRY}/hac-bench/side-by-side-${tool}`;
    if (tool === 'hac') return { ...common(nonce), engine: 'docker', images: repo };
    // metadata-action with its defaults for a v1.2.3 tag push: the tag and the OCI labels.
    const labels = `org.opencontainers.image.version=1.2.3\norg.opencontainers.image.revision=${SHA}\norg.opencontainers.image.source=https://github.com/Acme-Corp/Shop-API`;
    return { ...peerDefaults(peerDir), ...common(nonce), tags: `${repo}:1.2.3\n${repo}:latest`, labels };
  };
  const prune = () =>
    spawnSync('docker', ['buildx', 'prune', '--all', '--force', '--builder', builder], { env: baseEnv });
  const rows = { peer: [], hac: [] };
  const buildersBefore = builders(baseEnv);
  for (let i = 0; i < PAIRS; i++) {
    for (const [tool, bundle] of i % 2
      ? [
          ['hac', hac],
          ['peer', peer],
        ]
      : [
          ['peer', peer],
          ['hac', hac],
        ]) {
      const nonce = `peer-${Date.now().toString(36)}-${i}`;
      prune();
      const cold = await runAction(bundle, inputsFor(tool, nonce), baseEnv);
      const warm = await runAction(bundle, inputsFor(tool, nonce), baseEnv);
      rows[tool].push({ cold, warm });
    }
  }
  const buildersAfter = builders(baseEnv);
  return report({ rows, buildersBefore, buildersAfter, hac, peer, repoRoot });
}

function report({ rows, buildersBefore, buildersAfter, hac, repoRoot }) {
  const m = (tool, sel) => median(rows[tool].map(sel));
  const last = (tool) => rows[tool].at(-1).warm.outputs;
  const peerKeys = metadataKeys(last('peer'));
  const hacKeys = metadataKeys(last('hac'));
  const missing = peerKeys.filter((k) => !hacKeys.includes(k));
  const data = {
    pairs: rows.hac.length,
    coldMs: { peer: m('peer', (r) => r.cold.ms), hac: m('hac', (r) => r.cold.ms) },
    warmMs: { peer: m('peer', (r) => r.warm.ms), hac: m('hac', (r) => r.warm.ms) },
    warmCached: { peer: m('peer', (r) => r.warm.cached), hac: m('hac', (r) => r.warm.cached) },
    outputs: { peer: Object.keys(last('peer')).sort(), hac: Object.keys(last('hac')).sort() },
    metadataKeys: { peer: peerKeys, hac: hacKeys, missingInHac: missing },
    leftInRunnerTemp: { peer: rows.peer.at(-1).warm.left, hac: rows.hac.at(-1).warm.left },
    builders: { before: buildersBefore, after: buildersAfter },
    hacBundle: path.relative(repoRoot, hac) || hac,
  };
  const f = (n) => `${n.toFixed(0)} ms`;
  const markdown = [
    `Same context (\`__tests__/fixtures/docker/multistage\`, target \`runtime\`, a secret, pushing 2 tags for build-push-action (\`1.2.3\`, \`latest\`, as metadata-action gives them) and hac's 6 from the git context) on the same buildx builder (the sandbox's buildkitd v0.26.1 through \`docker buildx create --driver remote\`, buildx v0.30.1), each bundle run as the runner runs it (main, then post). Cold: the builder cache pruned first, with a new \`VERSION\`; warm: the same inputs again. Median of ${data.pairs} pairs, order alternated. build-push-action got metadata-action's tags and labels by hand; \`DOCKER_BUILD_SUMMARY=false\` (no artifact upload here).`,
    '',
    '| | docker/build-push-action v7.3.0 | hac docker-build-push |',
    '| --- | ---: | ---: |',
    `| cold (RUN steps run) | ${f(data.coldMs.peer)} | ${f(data.coldMs.hac)} |`,
    `| warm (same inputs) | ${f(data.warmMs.peer)} | ${f(data.warmMs.hac)} |`,
    `| steps CACHED when warm | ${data.warmCached.peer} | ${data.warmCached.hac} |`,
    `| outputs | ${data.outputs.peer.join(', ')} | ${data.outputs.hac.join(', ')} |`,
    `| \`metadata\` keys | ${peerKeys.length} | ${hacKeys.length} (missing: ${missing.length ? missing.join(', ') : 'none'}) |`,
    `| left in RUNNER_TEMP after post | ${data.leftInRunnerTemp.peer.length ? data.leftInRunnerTemp.peer.join(', ') : 'nothing'} | ${data.leftInRunnerTemp.hac.length ? data.leftInRunnerTemp.hac.join(', ') : 'nothing'} |`,
    `| buildx builders (before → after all runs) | ${buildersBefore} → ${buildersAfter} | (same runs) |`,
    '',
    "hac's `metadata` output holds every key of build-push-action's (buildx's metadata file as is), so `fromJSON(steps.x.outputs.metadata)['containerimage.digest']` reads the same with either; with buildah hac writes `containerimage.digest`, `containerimage.config.digest` and `image.name` itself. build-push-action leaves its toolkit directory (`docker-actions-toolkit-*`) in RUNNER_TEMP after its post step; hac removes its temporary directory in the main step. Neither creates or removes a buildx builder.",
    '',
    BUILDKIT_NOTE,
  ].join('\n');
  return { title: 'docker-build-push beside docker/build-push-action (same buildx builder)', markdown, data };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run({});
  process.stdout.write(`## ${r.title}\n\n${r.markdown}\n\n${JSON.stringify(r.data, null, 2)}\n`);
}
