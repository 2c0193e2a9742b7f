// Benchmark of docker-build-push (buildah engine, against the sandbox registry):
//  - a first build (every RUN step new) and a second build with no changes, through the real bundle;
//    the second must reuse the layers (buildah prints "Using cache" for each reused step);
//  - cold start of the bundle with inputs that fail at validation, beside `node -e 0`;
//  - bundle size (index.js, post.js and the lazily loaded ECR chunk).
// Usage: node scripts/bench/docker-build-push.mjs   (or through npm run bench)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { coldStart, median, sandboxEnv } from './lib.mjs';

const PAIRS = Number(process.env.HAC_BENCH_BUILD_PAIRS ?? 3);
const TMP_DIST = '/tmp/hac-dist-image';

/** Uses distDir when its bundle is this engine (not a stale stub); otherwise builds into a temp dir. */
function bundleDir(repoRoot, distDir) {
  const ok = (dir) => {
    const f = path.join(dir, 'docker-build-push', 'index.js');
    return fs.existsSync(f) && fs.readFileSync(f, 'utf8').includes('HAC_BUILD_SECRET_');
  };
  if (distDir && ok(distDir)) return { dir: distDir, built: false };
  const res = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs'), TMP_DIST], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (res.status !== 0 || !ok(TMP_DIST))
    throw new Error(`bundling into ${TMP_DIST} failed: ${(res.stderr || '').slice(-400)}`);
  return { dir: TMP_DIST, built: true };
}

function readOutputs(file) {
  const text = fs.readFileSync(file, 'utf8');
  const out = {};
  for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) out[m[1]] = m[3];
  return out;
}

/** Runs the bundle once as the runner would (INPUT_* and GITHUB_* variables); returns wall time and outputs. */
function runAction(bundle, env, cwd) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bench-run-'));
  for (const f of ['output', 'state', 'summary']) fs.writeFileSync(path.join(tmp, f), '');
  const full = {
    ...env,
    GITHUB_OUTPUT: path.join(tmp, 'output'),
    GITHUB_STATE: path.join(tmp, 'state'),
    GITHUB_STEP_SUMMARY: path.join(tmp, 'summary'),
    RUNNER_TEMP: tmp,
  };
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [bundle], { env: full, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const outputs = readOutputs(full.GITHUB_OUTPUT);
      fs.rmSync(tmp, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`action failed (exit ${code}): ${log.slice(-800)}`));
      const meta = JSON.parse(outputs.metadata ?? '{}');
      resolve({
        ms,
        cacheHits: (log.match(/Using cache/g) ?? []).length,
        buildMs: meta.buildMs,
        pushMs: meta.pushMs,
        digest: outputs.digest,
        tags: (outputs.tags ?? '').split('\n').length,
      });
    });
    child.on('error', reject);
  });
}

async function buildTimes(repoRoot, bundle) {
  const sb = sandboxEnv(repoRoot);
  const fixtures = path.join(repoRoot, '__tests__', 'fixtures');
  const repo = `${sb.HAC_REGISTRY}/hac-bench/docker-build-push`;
  const base = {
    ...process.env,
    ...sb,
    GITHUB_EVENT_PATH: path.join(fixtures, 'github-events', 'push-main.json'),
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: '8f3c2a1b9d4e5f60718293a4b5c6d7e8f9012345',
    GITHUB_REPOSITORY: 'Acme-Corp/Shop-API',
    INPUT_ENGINE: 'buildah',
    INPUT_CONTEXT: 'multistage',
    INPUT_IMAGES: repo,
    INPUT_TARGET: 'runtime',
    INPUT_SECRETS: 'token=bench',
    INPUT_PUSH: 'true',
  };
  const pairs = [];
  for (let i = 0; i < PAIRS; i++) {
    // A new VERSION changes the first RUN step, so every RUN step after FROM runs again.
    const nonce = `bench-${Date.now().toString(36)}-${i}`;
    const env = { ...base, 'INPUT_BUILD-ARGS': `BASE=${sb.HAC_BASE_IMAGE}\nVERSION=${nonce}` };
    const first = await runAction(bundle, env, path.join(fixtures, 'docker'));
    const second = await runAction(bundle, env, path.join(fixtures, 'docker'));
    if (second.cacheHits <= first.cacheHits)
      throw new Error(
        `second build did not reuse layers (${second.cacheHits} cached steps vs ${first.cacheHits})`,
      );
    pairs.push({ first, second });
  }
  return pairs;
}

function fileSizes(dir) {
  const d = path.join(dir, 'docker-build-push');
  return Object.fromEntries(
    fs
      .readdirSync(d)
      .filter((f) => f.endsWith('.js'))
      .map((f) => [f, fs.statSync(path.join(d, f)).size]),
  );
}

export async function run({ repoRoot, distDir } = {}) {
  repoRoot ??= path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const { dir, built } = bundleDir(repoRoot, distDir);
  const bundle = path.join(dir, 'docker-build-push', 'index.js');
  const cold = coldStart(bundle, {
    runs: Math.max(10, Number(process.env.HAC_BENCH_RUNS ?? 15)),
    env: { INPUT_ENGINE: 'no-such-engine' },
  });
  const sizes = fileSizes(dir);
  const pairs = await buildTimes(repoRoot, bundle);
  const m = (sel) => median(pairs.map(sel));
  const data = {
    bundleDir: dir,
    builtForBench: built,
    sizes,
    coldStart: cold,
    builds: {
      pairs: pairs.length,
      firstMs: m((p) => p.first.ms),
      secondMs: m((p) => p.second.ms),
      firstBuildMs: m((p) => p.first.buildMs),
      secondBuildMs: m((p) => p.second.buildMs),
      firstCacheHits: m((p) => p.first.cacheHits),
      secondCacheHits: m((p) => p.second.cacheHits),
      pushMsFirst: m((p) => p.first.pushMs),
      pushMsSecond: m((p) => p.second.pushMs),
      tags: pairs[0]?.first.tags,
    },
  };
  const b = data.builds;
  const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
  const markdown = [
    `buildah (chroot isolation, vfs storage) building \`__tests__/fixtures/docker/multistage\` (target \`runtime\`, 3 RUN steps in the build stage, 1 in runtime) and pushing ${b.tags} tags to the sandbox registry, through the bundle \`${path.relative(repoRoot, bundle) || bundle}\`${built ? ' (bundled for this run into a temp dir)' : ''}. Median of ${b.pairs} pairs; the first build of a pair gets a new \`VERSION\` build arg so every RUN step runs.`,
    '',
    '| | whole action | build phase | push phase | steps from cache |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| first build (RUN steps run) | ${b.firstMs.toFixed(0)} ms | ${b.firstBuildMs.toFixed(0)} ms | ${b.pushMsFirst.toFixed(0)} ms | ${b.firstCacheHits} |`,
    `| second build, no changes | ${b.secondMs.toFixed(0)} ms | ${b.secondBuildMs.toFixed(0)} ms | ${b.pushMsSecond.toFixed(0)} ms | ${b.secondCacheHits} |`,
    `| ratio second / first | ${(b.secondMs / b.firstMs).toFixed(2)} | ${(b.secondBuildMs / b.firstBuildMs).toFixed(2)} | | |`,
    '',
    `Cold start (inputs failing at validation, median of ${Math.max(10, Number(process.env.HAC_BENCH_RUNS ?? 15))} runs interleaved with \`node -e 0\`, Node ${process.version}): **${cold.bundleMs.toFixed(0)} ms** vs ${cold.nodeMs.toFixed(0)} ms for \`node -e 0\` (${cold.ratio.toFixed(2)}x).`,
    '',
    `Bundle: ${Object.entries(sizes)
      .map(([f, n]) => `\`${f}\` ${kb(n)}`)
      .join(', ')}. The numbered chunk is @aws-sdk/client-ecr, loaded only when an ECR registry is used.`,
  ].join('\n');
  return { title: 'docker-build-push: layer reuse, cold start, bundle size', markdown, data };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run({});
  process.stdout.write(`## ${r.title}\n\n${r.markdown}\n\n${JSON.stringify(r.data, null, 2)}\n`);
}
