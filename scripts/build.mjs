#!/usr/bin/env node
// Bundles every action with @vercel/ncc into dist/<name>/ (index.js, post.js where needed), with
// source maps (used in stack traces) and the licence notices of every bundled package.
// Usage: node scripts/build.mjs [outDir]   (default: dist). The output is deterministic.
// The actions are built in HAC_BUILD_JOBS processes at once (default: 2, or 1 on one core); each
// action's bundles are built in one of them, so the output does not depend on how they are shared.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import remapping from '@jridgewell/remapping';
import ncc from '@vercel/ncc';
import { transform } from 'esbuild';
import { entries, repoRoot } from './entries.mjs';
import { formatNotices, moduleFiles, packagesOf, sourceMapRegisterFiles } from './licenses.mjs';

const CHUNK = /^\d+\.index\.m?js$/;

// ncc's sourcemap-register.cjs (source-map-support) maps stack traces to the .ts sources. Loading
// it costs every step's cold start, and most steps never format a stack: the entry installs it
// when the first stack trace with a frame outside Node's own modules is formatted instead. Node
// formats stacks that nobody reads (a socket closed before the end of its response makes an
// 'aborted' error whose stack is all node: frames), and those need no map. On one line, as ncc's
// import was, so that the source map of the lines below is unchanged.
const REGISTER = "import './sourcemap-register.cjs';";
const LAZY_REGISTER = [
  "import { createRequire as __hacCreateRequire } from 'node:module';",
  "const __hacPlainStack = (error, frames) => [String(error), ...frames].join('\\n    at ');",
  'const __hacLazyStack = (error, frames) => {',
  "  if (frames.every((f) => (f.getFileName() ?? 'node:').startsWith('node:'))) return __hacPlainStack(error, frames);",
  "  __hacCreateRequire(import.meta.url)('./sourcemap-register.cjs');",
  '  if (Error.prepareStackTrace === __hacLazyStack) Error.prepareStackTrace = undefined;',
  '  return Error.prepareStackTrace ? Error.prepareStackTrace(error, frames) : __hacPlainStack(error, frames);',
  '};',
  'Error.prepareStackTrace = __hacLazyStack;',
].join(' ');

/** The bundle's code with source-map-support installed on first use (see LAZY_REGISTER). */
export function lazyRegister(code) {
  if (!code.startsWith(REGISTER))
    throw new Error('build: ncc no longer starts the bundle with its sourcemap-register import');
  return LAZY_REGISTER + code.slice(REGISTER.length);
}

/** dir is where the bundle's files live, relative to the dist root (smoke-test, build-ami/post). */
async function bundle(entry, dir) {
  return ncc(entry, {
    // Minified below with esbuild, whose map is composed with ncc's (ncc's own minifier shifts
    // lines); ncc never minifies the chunks it splits off for dynamic imports anyway.
    minify: false,
    quiet: true,
    target: 'es2022',
    // Maps name the sources relative to the bundle as it sits in the repository's dist/, so a
    // stack trace reads packages/probe/checks.ts:42 whatever directory the bundle was built in.
    sourceMap: true,
    sourceMapRegister: true,
    sourceMapBasePrefix: '../'.repeat(dir.split('/').length + 1),
    cache: false,
    // Types are checked by `npm run typecheck`; one file's type error must not break every bundle.
    transpileOnly: true,
  });
}

/** A source map without the sources' text: stack traces need only the mappings. */
function slimMap(map) {
  const json = typeof map === 'string' ? JSON.parse(map) : map;
  delete json.sourcesContent;
  return JSON.stringify(json);
}

function writeOnce(target, source) {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (fs.existsSync(target) && !fs.readFileSync(target).equals(Buffer.from(source))) {
    throw new Error(`build: ${target} would be written twice with different content`);
  }
  fs.writeFileSync(target, source);
}

/**
 * Minifies one ES module of the bundle with esbuild (20 to 30 times faster than terser on the AWS
 * SDK's chunks) and maps the result straight to the sources: esbuild's map (minified → bundle)
 * composed with ncc's (bundle → sources).
 */
async function minifyWithMap(name, source, map) {
  const out = await transform(source, {
    minify: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: 'external',
    sourcefile: name,
    treeShaking: true,
  });
  const composed = remapping([out.map, typeof map === 'string' ? map : JSON.stringify(map)], () => null);
  composed.file = name;
  return { code: `${out.code}//# sourceMappingURL=${name}.map`, map: composed.toString() };
}

/** Writes one entry's bundle; returns the absolute paths of the modules it holds. */
async function buildEntry({ name, entry, out }, outDir) {
  // main and post of one action are separate builds whose lazily loaded chunks can share a
  // name but not their content: post's code lives in post/, behind a one-line post.js.
  const isPost = path.basename(out) === 'post.js';
  const dir = isPost ? `${name}/post` : name;
  const { code: raw, map, assets, stats } = await bundle(entry, dir);
  const codeDir = path.join(outDir, dir);
  const { code, map: codeMap } = await minifyWithMap('index.js', lazyRegister(raw), map);
  writeOnce(path.join(codeDir, 'index.js'), code);
  writeOnce(path.join(codeDir, 'index.js.map'), slimMap(codeMap));
  if (isPost) writeOnce(path.join(outDir, out), "import './post/index.js';\n");
  for (const [file, asset] of Object.entries(assets)) {
    const source = String(asset.source);
    if (CHUNK.test(file)) {
      const min = await minifyWithMap(file, source, String(assets[`${file}.map`].source));
      writeOnce(path.join(codeDir, file), min.code);
      writeOnce(path.join(codeDir, `${file}.map`), slimMap(min.map));
    } else if (!file.endsWith('.map')) {
      writeOnce(path.join(codeDir, file), source);
    }
  }
  const modules = moduleFiles(stats);
  if (assets['sourcemap-register.cjs']) modules.push(...sourceMapRegisterFiles());
  return { size: code.length, modules };
}

/** Relative build cost of an action's bundles (client-node and the AWS SDK dominate). */
const WEIGHT = { 'k8s-bluegreen': 8, 'k8s-canary': 8, 'build-ami': 4, 'swap-eip': 4, 'docker-build-push': 3 };

/**
 * The action names of `list` in `jobs` groups of about equal cost (pure): heaviest first, each to
 * the lightest group so far. Empty groups are left out.
 */
export function shareActions(list, jobs) {
  const names = [...new Set(list.map((e) => e.name))];
  const weight = (n) => WEIGHT[n] ?? 1;
  names.sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
  const groups = Array.from({ length: Math.max(1, jobs) }, () => ({ names: [], cost: 0 }));
  for (const n of names) {
    const g = groups.reduce((min, x) => (x.cost < min.cost ? x : min));
    g.names.push(n);
    g.cost += weight(n);
  }
  return groups.filter((g) => g.names.length).map((g) => g.names);
}

const defaultJobs = () => {
  const env = Number(process.env.HAC_BUILD_JOBS);
  return Number.isInteger(env) && env > 0 ? env : Math.min(2, os.availableParallelism());
};

/**
 * Builds list (default: every bundle hac ships, see entries.mjs) into outDir, replacing it. The
 * default list is shared among `jobs` child processes; a list given is built here, in order.
 */
export async function build(outDir = path.join(repoRoot, 'dist'), { log = console.log, list, jobs } = {}) {
  fs.rmSync(outDir, { recursive: true, force: true });
  const all = list ?? entries();
  const groups = list ? [] : shareActions(all, jobs ?? defaultJobs());
  if (groups.length > 1) return buildInChildren(outDir, groups, log);
  await buildHere(outDir, all, log);
}

/** Builds entries in this process into outDir (which it does not empty), with their licence notices. */
async function buildHere(outDir, list, log) {
  const modulesOf = new Map();
  // ncc names sources and assets relative to the working directory: build from the repository
  // root wherever the command was started, so that the output does not depend on it.
  const cwd = process.cwd();
  process.chdir(repoRoot);
  try {
    for (const e of list) {
      const started = Date.now();
      const { size, modules } = await buildEntry(e, outDir);
      modulesOf.set(e.name, [...(modulesOf.get(e.name) ?? []), ...modules]);
      log(
        `built ${path.relative(repoRoot, path.join(outDir, e.out))} (${size} bytes, ${Date.now() - started} ms)`,
      );
    }
  } finally {
    process.chdir(cwd);
  }
  for (const [name, modules] of modulesOf) {
    fs.writeFileSync(path.join(outDir, name, 'licenses.txt'), formatNotices(packagesOf(modules)));
  }
}

/** One child process per group (`build.mjs --into outDir`, HAC_BUILD_ONLY=group); fails naming the first that failed. */
async function buildInChildren(outDir, groups, log) {
  const script = new URL(import.meta.url).pathname;
  const runs = groups.map(
    (names) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [script, '--into', outDir], {
          env: { ...process.env, HAC_BUILD_ONLY: names.join(',') },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d) =>
          d
            .split('\n')
            .filter(Boolean)
            .forEach((l) => log(l)),
        );
        child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
        child.on('error', (err) => resolve({ names, error: err.message }));
        child.on('close', (code, signal) =>
          resolve(code === 0 ? { names } : { names, error: `${signal ?? `exit ${code}`}: ${stderr.trim()}` }),
        );
      }),
  );
  const failed = (await Promise.all(runs)).find((r) => r.error);
  if (failed) throw new Error(`build: building ${failed.names.join(', ')} failed (${failed.error})`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const into = process.argv.indexOf('--into');
  if (into >= 0) await buildHere(path.resolve(process.argv[into + 1]), entries(), console.log);
  else await build(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
}
