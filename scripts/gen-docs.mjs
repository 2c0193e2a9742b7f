#!/usr/bin/env node
// Regenerates the inputs and outputs tables of each actions/<name>/README.md from its action.yml,
// between <!-- hac:inputs --> / <!-- /hac:inputs --> and <!-- hac:outputs --> / <!-- /hac:outputs -->.
// Everything outside the markers is hand-written. Usage: node scripts/gen-docs.mjs [--check]
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ACTIONS, repoRoot } from './entries.mjs';

const cell = (s) =>
  String(s ?? '')
    .trim()
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');
const code = (s) => (s === undefined || s === '' ? '' : `\`${String(s).replace(/\n/g, '\\n')}\``);

export function tables(doc) {
  const inputs = Object.entries(doc.inputs ?? {}).map(
    ([k, v]) =>
      `| \`${k}\` | ${v?.required ? 'yes' : 'no'} | ${code(v?.default)} | ${cell(v?.description)} |`,
  );
  const outputs = Object.entries(doc.outputs ?? {}).map(([k, v]) => `| \`${k}\` | ${cell(v?.description)} |`);
  return {
    inputs: ['| input | required | default | description |', '| --- | --- | --- | --- |', ...inputs].join(
      '\n',
    ),
    outputs: ['| output | description |', '| --- | --- |', ...outputs].join('\n'),
  };
}

export function render(readme, doc) {
  const t = tables(doc);
  let out = readme;
  for (const kind of ['inputs', 'outputs']) {
    const re = new RegExp(`(<!-- hac:${kind} -->)[\\s\\S]*?(<!-- /hac:${kind} -->)`);
    if (re.test(out)) out = out.replace(re, `$1\n${t[kind]}\n$2`);
  }
  return out;
}

export function generate(root = repoRoot) {
  const files = {};
  for (const name of ACTIONS) {
    const dir = path.join(root, 'actions', name);
    const readmePath = path.join(dir, 'README.md');
    if (!fs.existsSync(readmePath)) continue;
    const doc = parse(fs.readFileSync(path.join(dir, 'action.yml'), 'utf8'));
    files[`actions/${name}/README.md`] = render(fs.readFileSync(readmePath, 'utf8'), doc);
  }
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const [rel, text] of Object.entries(generate())) {
    const file = path.join(repoRoot, rel);
    if (fs.readFileSync(file, 'utf8') !== text) {
      stale.push(rel);
      if (!check) fs.writeFileSync(file, text);
    }
  }
  if (check && stale.length) {
    console.error(`gen-docs: out of date: ${stale.join(', ')}. Run \`npm run gen\`.`);
    process.exit(1);
  }
  console.log(check ? 'gen-docs: in sync' : `gen-docs: wrote ${stale.join(', ') || 'nothing'}`);
}
