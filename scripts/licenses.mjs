// Third-party licence notices for a bundle, computed from the modules webpack (ncc) put in it:
// every file under node_modules belongs to the package whose folder holds it.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const SEPARATOR = '-'.repeat(72);
const LICENSE_FILE = /^(licen[cs]e|copying|notice)(\.|-|$)/i;

/** The package folder that holds file (…/node_modules/name or …/node_modules/@scope/name), or undefined. */
export function packageDirOf(file) {
  const parts = file.split(path.sep);
  const i = parts.lastIndexOf('node_modules');
  if (i < 0 || i + 1 >= parts.length) return undefined;
  const depth = parts[i + 1].startsWith('@') ? 3 : 2;
  if (i + depth > parts.length) return undefined;
  return parts.slice(0, i + depth).join(path.sep);
}

function licenseText(dir) {
  const files = fs
    .readdirSync(dir)
    .filter((f) => LICENSE_FILE.test(f) && fs.statSync(path.join(dir, f)).isFile())
    .sort();
  return files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8').trim()).join('\n\n');
}

function licenseField(pkg) {
  if (typeof pkg.license === 'string') return pkg.license;
  if (pkg.license?.type) return pkg.license.type;
  if (Array.isArray(pkg.licenses)) return pkg.licenses.map((l) => l.type ?? l).join(' OR ');
  return 'UNKNOWN';
}

/** { id: name@version, name, version, license, text } of the package in dir. */
export function readPackage(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const license = licenseField(pkg);
  const text =
    licenseText(dir) ||
    `The package ships no licence file; its package.json declares: ${license}` +
      (pkg.author ? `, author ${typeof pkg.author === 'string' ? pkg.author : pkg.author.name}` : '') +
      '.';
  return { id: `${pkg.name}@${pkg.version}`, name: pkg.name, version: pkg.version, license, text };
}

/** The third-party packages that the given module files come from, sorted by id. */
export function packagesOf(files) {
  const dirs = new Set();
  for (const f of files) {
    const dir = packageDirOf(f);
    if (dir && fs.existsSync(path.join(dir, 'package.json'))) dirs.add(dir);
  }
  const byId = new Map();
  for (const dir of dirs) {
    const p = readPackage(dir);
    byId.set(p.id, p);
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The text of licenses.txt: one section per package, `name@version`, `License: X`, then its text. */
export function formatNotices(packages) {
  const head = 'Third-party software bundled in this action, with the licence notice of each package.\n';
  const sections = packages.map((p) => `${p.id}\nLicense: ${p.license}\n\n${p.text}\n`);
  return [head, ...sections].join(`\n${SEPARATOR}\n\n`);
}

/** The package ids listed in a licenses.txt written by formatNotices. */
export function parseNoticeIds(text) {
  return text
    .split(`\n${SEPARATOR}\n\n`)
    .slice(1)
    .map((s) => s.split('\n', 1)[0]);
}

/** Absolute paths of the modules in a webpack stats object (ncc's `stats`). */
export function moduleFiles(stats) {
  const json = stats.toJson({ all: false, modules: true, nestedModules: true });
  const out = [];
  const visit = (mods = []) => {
    for (const m of mods) {
      if (m.nameForCondition) out.push(m.nameForCondition);
      visit(m.modules);
    }
  };
  visit(json.modules);
  return out;
}

/**
 * Files of the packages inside ncc's sourcemap-register.cjs (source-map-support with source-map
 * and buffer-from, bundled by ncc itself, so absent from the bundle's module list), resolved from
 * the copies installed beside ncc's dependants.
 */
export function sourceMapRegisterFiles() {
  const files = [];
  let from = createRequire(import.meta.url);
  for (const name of ['source-map-support', 'source-map', 'buffer-from']) {
    const file = from.resolve(`${name}/package.json`);
    files.push(file);
    if (name === 'source-map-support') from = createRequire(file);
  }
  return files;
}
