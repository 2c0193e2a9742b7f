#!/usr/bin/env node
// `npm run jest -- [jest args]`: the "parallel" project on several workers and, beside it, the
// "e2e" project on E2E_WORKERS of its own (its output shown when it ends); then the "serial" project
// (jest.config.js SERIAL) alone. Each pass gets the same arguments; a pass that cannot match any
// of the given test files is left out, and when no pass ran a test the run fails. At the end: the
// 10 slowest suites and the totals of all passes (scripts/jest-plain-summary.cjs).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { E2E, E2E_WORKERS, SERIAL } from '../jest.config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Jest options that take their value as the next argument. */
const TAKES_VALUE = new Set([
  '-t',
  '--testNamePattern',
  '-w',
  '--maxWorkers',
  '--testPathIgnorePatterns',
  '--testPathPatterns',
  '--shard',
  '--seed',
  '--outputFile',
  '--testTimeout',
  '--reporters',
  '--testSequencer',
  '--workerIdleMemoryLimit',
]);
/** Options after which the arguments go to one plain jest run, as given. */
const AS_GIVEN = [
  '--selectProjects',
  '--ignoreProjects',
  '--listTests',
  '--showConfig',
  '--watch',
  '--watchAll',
  '--help',
  '--version',
  '-c',
  '--config',
];

/** The positional arguments (test path patterns) among jest's arguments. */
export function patternsOf(args) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (TAKES_VALUE.has(a)) i++;
    else if (!a.startsWith('-')) out.push(a);
  }
  return out;
}

const withoutWorkers = (args) =>
  args.filter((a, i) => !/^(-w|--maxWorkers)(=|$)/.test(a) && !/^(-w|--maxWorkers)$/.test(args[i - 1] ?? ''));

/** Which passes a pattern may select: a file decides exactly; a regular expression over paths may match several. */
function passesOf(p, { cwd, exists, serialFiles, e2eFiles }) {
  const abs = path.resolve(cwd, p);
  if (exists(abs)) {
    if (serialFiles.includes(abs)) return ['serial'];
    return [abs.startsWith(path.join(root, E2E)) ? 'e2e' : 'parallel'];
  }
  const re = new RegExp(p, 'i');
  return [
    'parallel',
    ...(e2eFiles.some((f) => re.test(f)) ? ['e2e'] : []),
    ...(serialFiles.some((f) => re.test(f)) ? ['serial'] : []),
  ];
}

/**
 * The jest runs for these arguments (pure): stages run one after the other, the runs of a stage at
 * the same time (parallel beside e2e, then serial); asGiven when the arguments go to one plain run.
 * `exists(abs)` says whether a pattern names a file; e2eFiles lists the end-to-end suites.
 */
export function plan(
  args,
  { cwd = root, exists = (p) => fs.existsSync(p) && fs.statSync(p).isFile(), e2eFiles = listE2e() } = {},
) {
  if (args.some((a) => AS_GIVEN.some((o) => a === o || a.startsWith(`${o}=`))))
    return { asGiven: true, stages: [[args]] };
  const ctx = { cwd, exists, serialFiles: SERIAL.map((p) => path.join(root, p)), e2eFiles };
  const patterns = patternsOf(args);
  const wanted = new Set(
    patterns.length ? patterns.flatMap((p) => passesOf(p, ctx)) : ['parallel', 'e2e', 'serial'],
  );
  const run = (project, extra) => ['--selectProjects', project, '--passWithNoTests', ...extra];
  const alone = [...withoutWorkers(args), '--runInBand'];
  const first = [
    ...(wanted.has('parallel') ? [run('parallel', args)] : []),
    ...(wanted.has('e2e') ? [run('e2e', [...withoutWorkers(args), `--maxWorkers=${E2E_WORKERS}`])] : []),
  ];
  const stages = [first, ...(wanted.has('serial') ? [[run('serial', alone)]] : [])].filter((s) => s.length);
  return { asGiven: false, stages };
}

function listE2e() {
  const dir = path.join(root, E2E);
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
}

/** One jest process; with `buffer`, its output is held and printed when it ends (two runs at once stay readable). */
function jest(args, env, buffer) {
  const bin = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env,
    stdio: buffer ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  const held = [];
  child.stdout?.on('data', (d) => held.push(d));
  child.stderr?.on('data', (d) => held.push(d));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      if (held.length) process.stdout.write(Buffer.concat(held));
      resolve(code ?? 1);
    }),
  );
}

/**
 * After a full run, every suite's wall time for the next run's order (scripts/jest-sequencer.cjs).
 * Copy it over scripts/jest-durations.json to change the order a fresh machine starts with.
 */
function recordDurations(passes) {
  const file = path.join(root, 'node_modules', '.cache', 'hac', 'jest-durations.json');
  const entries = passes.flatMap((p) => p.suites).map((s) => [s.file, Math.round(s.ms)]);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(Object.fromEntries(entries.sort()), null, 2)}\n`);
}

async function main(args) {
  const { asGiven, stages } = plan(args);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-jest-'));
  const results = path.join(dir, 'results.jsonl');
  const env = {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim(),
    ...(asGiven ? {} : { HAC_JEST_RESULTS: results }),
  };
  let status = 0;
  for (const stage of stages) {
    const codes = await Promise.all(stage.map((run, i) => jest(run, env, i > 0)));
    status = Math.max(status, ...codes);
  }
  if (fs.existsSync(results)) {
    const passes = fs
      .readFileSync(results, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const { format } = createRequire(import.meta.url)('./jest-plain-summary.cjs');
    process.stdout.write(format(passes));
    if (!patternsOf(args).length) recordDurations(passes);
    if (passes.every((p) => p.suites.length === 0)) {
      process.stderr.write(`No test suite matched ${JSON.stringify(patternsOf(args))}.\n`);
      status = Math.max(status, 1);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return status;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
