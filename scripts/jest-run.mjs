#!/usr/bin/env node
// `npm run jest -- [jest args]`: the "parallel" project on several workers, then the "serial"
// project (jest.config.js SERIAL) alone, each pass given the same arguments. A pass that cannot
// match any of the given test files is left out; when no pass ran a test, the run fails. At the
// end: the 10 slowest suites and the totals of both passes (scripts/jest-plain-summary.cjs).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERIAL } from '../jest.config.js';

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

/**
 * The jest runs for these arguments (pure): each pass's arguments; asGiven when they go to one
 * plain run (its own summary). `exists(abs)` says
 * whether a pattern names a file, which then decides its pass exactly; any other pattern is a
 * regular expression over paths, which may match in either pass.
 */
export function plan(args, { cwd = root, exists = (p) => fs.existsSync(p) && fs.statSync(p).isFile() } = {}) {
  if (args.some((a) => AS_GIVEN.some((o) => a === o || a.startsWith(`${o}=`))))
    return { asGiven: true, runs: [args] };
  const serialAbs = SERIAL.map((p) => path.join(root, p));
  const patterns = patternsOf(args);
  let parallel = patterns.length === 0;
  let serial = patterns.length === 0;
  for (const p of patterns) {
    const abs = path.resolve(cwd, p);
    if (exists(abs)) {
      if (serialAbs.includes(abs)) serial = true;
      else parallel = true;
    } else {
      parallel = true;
      if (serialAbs.some((s) => new RegExp(p, 'i').test(s))) serial = true;
    }
  }
  const runs = [];
  if (parallel) runs.push(['--selectProjects', 'parallel', '--passWithNoTests', ...args]);
  if (serial)
    runs.push(['--selectProjects', 'serial', '--passWithNoTests', '--runInBand', ...withoutWorkers(args)]);
  return { asGiven: false, runs };
}

function jest(args, env) {
  const bin = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  const res = spawnSync(process.execPath, [bin, ...args], { cwd: root, env, stdio: 'inherit' });
  return res.status ?? 1;
}

function main(args) {
  const { asGiven, runs } = plan(args);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-jest-'));
  const results = path.join(dir, 'results.jsonl');
  const env = {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim(),
    ...(asGiven ? {} : { HAC_JEST_RESULTS: results }),
  };
  let status = 0;
  for (const run of runs) status = Math.max(status, jest(run, env));
  if (fs.existsSync(results)) {
    const passes = fs
      .readFileSync(results, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const { format } = createRequire(import.meta.url)('./jest-plain-summary.cjs');
    process.stdout.write(format(passes));
    if (passes.every((p) => p.suites.length === 0)) {
      process.stderr.write(`No test suite matched ${JSON.stringify(patternsOf(args))}.\n`);
      status = Math.max(status, 1);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return status;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
