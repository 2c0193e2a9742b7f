#!/usr/bin/env node
// Function and file sizes of the shipped code (packages/ and actions/, tests excluded), counted
// with the TypeScript compiler API. `npm run bench` puts the figures in its report; run it alone
// with `node scripts/sizes.mjs [--json] [--limit 60] [--file-limit 400]`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sourceFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') out.push(...sourceFiles(full));
    else if (entry.isFile() && /\.ts$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name))
      out.push(full);
  }
  return out;
}

function isFunction(node) {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

function nameOf(node, sf) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  return '(anonymous)';
}

function lineOf(sf, pos) {
  return sf.getLineAndCharacterOfPosition(pos).line + 1;
}

/** Every function of one file, with its first line and its length in lines. */
export function measureFile(file) {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const functions = [];
  const visit = (node) => {
    if (isFunction(node) && node.body) {
      const start = lineOf(sf, node.getStart(sf));
      const end = lineOf(sf, node.end);
      functions.push({ name: nameOf(node, sf), line: start, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0), functions };
}

export function measure(root = ROOT, limits = { function: 60, file: 400 }) {
  const files = ['packages', 'actions'].flatMap((d) => sourceFiles(path.join(root, d)));
  const bigFunctions = [];
  const bigFiles = [];
  let functionCount = 0;
  let lineCount = 0;
  for (const file of files) {
    const rel = path.relative(root, file);
    const m = measureFile(file);
    lineCount += m.lines;
    functionCount += m.functions.length;
    if (m.lines > limits.file) bigFiles.push({ file: rel, lines: m.lines });
    for (const f of m.functions) if (f.lines > limits.function) bigFunctions.push({ file: rel, ...f });
  }
  bigFunctions.sort((a, b) => b.lines - a.lines);
  bigFiles.sort((a, b) => b.lines - a.lines);
  return { limits, files: files.length, lines: lineCount, functions: functionCount, bigFunctions, bigFiles };
}

function main() {
  const arg = (flag, def) => {
    const i = process.argv.indexOf(flag);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const report = measure(ROOT, { function: arg('--limit', 60), file: arg('--file-limit', 400) });
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const { limits } = report;
  console.log(`${report.files} files, ${report.lines} lines, ${report.functions} functions`);
  console.log(`functions over ${limits.function} lines: ${report.bigFunctions.length}`);
  for (const f of report.bigFunctions) console.log(`  ${f.lines}\t${f.file}:${f.line} ${f.name}`);
  console.log(`files over ${limits.file} lines: ${report.bigFiles.length}`);
  for (const f of report.bigFiles) console.log(`  ${f.lines}\t${f.file}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
