#!/usr/bin/env node
// npm run bench: measures every bundle's cold start beside `node -e 0` and its size, then runs
// each area's benchmark (scripts/bench/<area>.mjs exporting run({ repoRoot, distDir })), and
// writes docs/BENCHMARKS.md. Figures are measured side by side in one run on this machine.
//   node scripts/bench/run.mjs [area ...]            only those areas, printed (docs untouched)
//   node scripts/bench/run.mjs --update area ...     only those areas, and their sections (between
//                                                    <!-- bench:area --> markers) and keys in
//                                                    docs/BENCHMARKS.md and docs/benchmarks.json replaced
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { entries, repoRoot } from '../entries.mjs';
import { coldStart, RUNS } from './lib.mjs';

export { coldStart, median } from './lib.mjs';

const distDir = path.join(repoRoot, 'dist');
const update = process.argv.includes('--update');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function dirSize(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((n, e) => {
    const p = path.join(dir, e.name);
    return n + (e.isDirectory() ? dirSize(p) : fs.statSync(p).size);
  }, 0);
}

async function coreBench() {
  const rows = [];
  const data = {};
  for (const { name, out } of entries()) {
    if (!out.endsWith('index.js')) continue;
    const bundle = path.join(distDir, out);
    if (!fs.existsSync(bundle)) continue;
    const env = name === 'hac' ? { INPUT_ACTION: 'no-such-action' } : {};
    const r = coldStart(bundle, { env });
    const size = fs.statSync(bundle).size;
    data[name] = { ...r, bytes: size, dirBytes: dirSize(path.dirname(bundle)) };
    rows.push(
      `| ${name} | ${size.toLocaleString('en')} | ${data[name].dirBytes.toLocaleString('en')} | ${r.bundleMs.toFixed(1)} | ${r.nodeMs.toFixed(1)} | ${r.ratio.toFixed(2)}x |`,
    );
  }
  const markdown = [
    `Median of ${RUNS} runs each, \`node dist/<name>/index.js\` with inputs that fail at validation, interleaved with \`node -e 0\` (same Node binary: ${process.version}).`,
    '',
    '| bundle | index.js bytes | dist/<name>/ bytes (with post and lazy chunks) | cold start ms | `node -e 0` ms | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  return { title: 'Bundles: cold start and size', markdown, data };
}

async function main() {
  const sections = [];
  const results = {};
  if (!only.length || only.includes('bundles')) {
    const core = await coreBench();
    sections.push({ ...core, area: 'bundles' });
    results.bundles = core.data;
  }
  const benchDir = path.join(repoRoot, 'scripts', 'bench');
  for (const file of fs.readdirSync(benchDir).sort()) {
    if (file === 'run.mjs' || file === 'lib.mjs' || !file.endsWith('.mjs')) continue;
    const area = file.replace(/\.mjs$/, '');
    if (only.length && !only.includes(area)) continue;
    console.error(`bench: ${area} ...`);
    try {
      const mod = await import(path.join(benchDir, file));
      const r = await mod.run({ repoRoot, distDir });
      sections.push({ ...r, area });
      results[area] = r.data;
    } catch (err) {
      sections.push({ title: area, area, markdown: `Failed: ${err?.message ?? err}` });
      process.exitCode = 1;
    }
  }
  const extra = path.join(repoRoot, 'scripts', 'sandbox', 'BENCHMARKS-section.md');
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const doc = [
    '# Benchmarks',
    '',
    `Produced by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
    'Every ratio compares two things measured side by side in the same run. Timed assertions are never part of the tests.',
    '',
    ...sections.map((s) => sectionText(s)),
    ...(fs.existsSync(extra) ? [fs.readFileSync(extra, 'utf8')] : []),
  ].join('\n');
  const docFile = path.join(repoRoot, 'docs', 'BENCHMARKS.md');
  const jsonFile = path.join(repoRoot, 'docs', 'benchmarks.json');
  if (!only.length) {
    fs.writeFileSync(docFile, doc);
    fs.writeFileSync(jsonFile, JSON.stringify(results, null, 2) + '\n');
  } else if (update) {
    const dated = sections.map((s) => ({
      ...s,
      markdown: `${s.markdown}\n\n_Section updated by \`node scripts/bench/run.mjs --update ${s.area}\` on ${new Date().toISOString().slice(0, 10)}._`,
    }));
    const old = fs.existsSync(docFile) ? fs.readFileSync(docFile, 'utf8') : '# Benchmarks\n';
    const anchor = fs.existsSync(extra) ? fs.readFileSync(extra, 'utf8').split('\n')[0] : undefined;
    fs.writeFileSync(docFile, replaceSections(old, dated, anchor));
    const json = fs.existsSync(jsonFile) ? JSON.parse(fs.readFileSync(jsonFile, 'utf8')) : {};
    fs.writeFileSync(jsonFile, JSON.stringify({ ...json, ...results }, null, 2) + '\n');
  }
  process.stdout.write(only.length ? sections.map((s) => sectionText(s)).join('\n') : doc);
}

/** A section between its markers, so that a partial run can replace it. */
export function sectionText(s) {
  return [`<!-- bench:${s.area} -->`, `## ${s.title}`, '', s.markdown, `<!-- /bench:${s.area} -->`, ''].join(
    '\n',
  );
}

/**
 * Replaces each section's marked block in `doc`; a section not there yet goes before the line
 * `anchor` (the sandbox's own section) or at the end. Pure.
 */
export function replaceSections(doc, sections, anchor) {
  let out = doc;
  for (const s of sections) {
    const text = sectionText(s);
    const begin = out.indexOf(`<!-- bench:${s.area} -->`);
    const endMark = `<!-- /bench:${s.area} -->`;
    const end = begin < 0 ? -1 : out.indexOf(endMark, begin);
    if (begin >= 0 && end >= 0) {
      out = out.slice(0, begin) + text + out.slice(end + endMark.length + 1);
      continue;
    }
    const at = anchor ? out.indexOf(anchor) : -1;
    out = at >= 0 ? out.slice(0, at) + text + '\n' + out.slice(at) : out.replace(/\n*$/, '\n\n') + text;
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
