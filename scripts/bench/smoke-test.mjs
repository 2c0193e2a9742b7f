// Benchmark: the smoke-test load phase beside autocannon, against the same local keep-alive HTTP
// server (in a child process, so it does not share an event loop with either client), in one run.
// Both send the same number of requests at concurrency 50; rounds alternate to even out noise.
// Usage: node scripts/bench/smoke-test.mjs [distDir]   (or through npm run bench)
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { median } from './lib.mjs';

const CONCURRENCY = 50;
const REQUESTS = Number(process.env.HAC_BENCH_SMOKE_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.HAC_BENCH_SMOKE_ROUNDS ?? 3);

const SERVER = `
import http from 'node:http';
const body = Buffer.from('ok');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
`;

async function startServer(dir) {
  const file = path.join(dir, 'server.mjs');
  fs.writeFileSync(file, SERVER);
  const child = fork(file, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill() };
}

async function autocannonRps(url) {
  const r = await autocannon({ url, connections: CONCURRENCY, amount: REQUESTS });
  const seconds = (r.finish - r.start) / 1000;
  return {
    rps: r.requests.total / seconds,
    errors: r.errors + r.non2xx,
    p50: r.latency.p50,
    p99: r.latency.p99,
  };
}

/** Runs the built bundle the way the runner does: inputs as INPUT_<NAME> env vars, outputs in GITHUB_OUTPUT. */
async function hacRps(bundle, url, dir) {
  const outFile = path.join(dir, `output-${Date.now()}`);
  fs.writeFileSync(outFile, '');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_OUTPUT: outFile,
    INPUT_URL: url,
    'INPUT_LOAD-REQUESTS': String(REQUESTS),
    'INPUT_LOAD-CONCURRENCY': String(CONCURRENCY),
    'INPUT_MAX-ERROR-RATE': '0',
  };
  const started = performance.now();
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', resolve);
  });
  const wallMs = performance.now() - started;
  const text = fs.readFileSync(outFile, 'utf8');
  const m = /^report<<(.+)\n([\s\S]*?)\n\1$/m.exec(text);
  if (code !== 0 || !m)
    throw new Error(`smoke-test bundle failed (exit ${code}); outputs: ${text.slice(0, 500)}`);
  const report = JSON.parse(m[2]);
  return {
    rps: report.load.rps,
    errors: report.load.errors,
    p50: report.load.p50,
    p99: report.load.p99,
    wallMs,
  };
}

export async function run({ repoRoot, distDir = path.join(repoRoot, 'dist') } = {}) {
  const bundle = path.join(distDir, 'smoke-test/index.js');
  if (!fs.existsSync(bundle) || !fs.readFileSync(bundle, 'utf8').includes('distribution-samples'))
    throw new Error(
      `${bundle} is missing or a stub; run npm run build (or node scripts/build.mjs <dir>) first`,
    );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bench-smoke-'));
  const server = await startServer(dir);
  const ac = [];
  const hac = [];
  try {
    await autocannon({ url: server.url, connections: CONCURRENCY, amount: 2000 }); // warm the server up
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        ac.push(await autocannonRps(server.url));
        hac.push(await hacRps(bundle, server.url, dir));
      } else {
        hac.push(await hacRps(bundle, server.url, dir));
        ac.push(await autocannonRps(server.url));
      }
    }
  } finally {
    server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const acRps = median(ac.map((r) => r.rps));
  const hacRpsMedian = median(hac.map((r) => r.rps));
  const ratio = hacRpsMedian / acRps;
  const data = {
    requests: REQUESTS,
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    autocannon: { rps: Math.round(acRps), runs: ac },
    smokeTest: { rps: Math.round(hacRpsMedian), runs: hac },
    ratio: Number(ratio.toFixed(2)),
  };
  const row = (name, runs, rps) =>
    `| ${name} | ${Math.round(rps).toLocaleString('en')} | ${median(runs.map((r) => r.p50))} | ${median(runs.map((r) => r.p99))} | ${runs.reduce((n, r) => n + r.errors, 0)} |`;
  const markdown = [
    `${REQUESTS.toLocaleString('en')} GET requests at concurrency ${CONCURRENCY} against a local keep-alive Node HTTP server (child process); median of ${ROUNDS} alternating rounds.`,
    '',
    '| Client | Requests/s | p50 (ms) | p99 (ms) | Errors |',
    '| --- | --- | --- | --- | --- |',
    row('autocannon', ac, acRps),
    row('hac smoke-test (load phase, built bundle)', hac, hacRpsMedian),
    '',
    `smoke-test / autocannon: **${ratio.toFixed(2)}x** (target ≥ 0.8x).`,
  ].join('\n');
  return { title: 'smoke-test load phase vs autocannon', markdown, data };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const distDir = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  const r = await run({ repoRoot, distDir });
  console.log(`## ${r.title}\n\n${r.markdown}`);
}
