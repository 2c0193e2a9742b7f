// Repository hygiene: self-contained (nothing reads a folder beside the clone), no unused or
// dangling declarations, and the files a contributor or a security researcher looks for first.
import { describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

const root = path.resolve(import.meta.dirname, '../../..');
const self = path.relative(root, import.meta.filename);
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

const CODE = /\.(ts|mts|cts|js|mjs|cjs|sh|json|ya?ml)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage']);

/** Repository-relative paths of code and config files under the given roots. */
function codeFiles(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const full = path.join(root, rel);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isFile()) return void out.push(rel);
    for (const e of fs.readdirSync(full, { withFileTypes: true })) {
      if (SKIP_DIRS.has(e.name)) continue;
      const child = path.join(rel, e.name);
      if (e.isDirectory()) walk(child);
      else if (CODE.test(e.name) || child === 'hac' || child === '.ci/run') out.push(child);
    }
  };
  dirs.forEach(walk);
  return out.sort();
}

const PROJECT = [
  'actions',
  'packages',
  'root',
  'scripts',
  '__tests__',
  'examples',
  'workflows-templates',
  '.github',
  '.ci',
  'hac',
  'package.json',
  'jest.config.js',
  'eslint.config.js',
  'action.yml',
  'tsconfig.json',
];

describe('self-contained', () => {
  // The benchmarks' optional peer columns are the one place allowed to look beside the clone.
  const files = codeFiles(...PROJECT).filter((f) => !f.startsWith('scripts/bench/') && f !== self);
  const SHARED = [/\.\.\/shared\b/, /SHARED_DIR/, /['"]\.\.['"],\s*['"]shared['"]/, /\/work\/shared\b/];

  test('the scan covers the sources, scripts and tests', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'scripts/sandbox/lib/config.mjs',
        'scripts/build.mjs',
        'hac',
        'packages/toolkit/index.ts',
      ]),
    );
    expect(files.some((f) => f.startsWith('__tests__/integration/'))).toBe(true);
  });

  test('no source, script or test outside the benchmarks refers to ../shared', () => {
    const hits = files.flatMap((f) =>
      fs
        .readFileSync(path.join(root, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (SHARED.some((re) => re.test(line)) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
  });
});

describe('package.json', () => {
  test.each(Object.entries(pkg.scripts))('npm run %s points at files that exist', (_name, command) => {
    const paths = command.match(/(?:\.\/)?(?:scripts|\.ci)\/[\w./-]+|\.\/hac\b/g) ?? [];
    expect(paths.filter((p) => !fs.existsSync(path.join(root, p)))).toEqual([]);
    const runs = [...command.matchAll(/npm run (?:-s )?([\w:-]+)/g)].map((m) => m[1] as string);
    expect(runs.filter((r) => !(r in pkg.scripts))).toEqual([]);
  });

  test('every declared dependency is imported, configured or run somewhere', () => {
    const sources = codeFiles(...PROJECT, 'types')
      .filter((f) => f !== 'package.json')
      .map((f) => fs.readFileSync(path.join(root, f), 'utf8'))
      .join('\n');
    const scripts = Object.values(pkg.scripts).join('\n');
    const named = (name: string) =>
      new RegExp(`['"]${name.replace(/[/.]/g, '\\$&')}(/[^'"]*)?['"]`).test(sources);
    const bins = (name: string): string[] => {
      const bin = (
        JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
          bin?: string | Record<string, string>;
        }
      ).bin;
      return typeof bin === 'string' ? [name.split('/').pop() as string] : Object.keys(bin ?? {});
    };
    const ran = (name: string) =>
      bins(name).some((b) => new RegExp(`(^|[\\s;&|(])${b}(\\s|$)`, 'm').test(scripts));
    const used = (name: string): boolean =>
      named(name) ||
      ran(name) ||
      (name.startsWith('@types/') && (name === '@types/node' || used(name.slice(7))));
    const declared = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
    expect(declared.filter((d) => !used(d))).toEqual([]);
    expect(declared).not.toContain('@actions/exec');
  });
});

describe('project documents', () => {
  const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');

  test.each([
    ['SECURITY.md', [/^## Supported versions/m, /^## Reporting a vulnerability/m, /Report a vulnerability/]],
    ['CONTRIBUTING.md', [/\.\/hac demo/, /\.\/hac test/, /npm run check-dist/, /sandbox -- up/]],
    ['CHANGELOG.md', [/keepachangelog\.com/, /^## \[Unreleased\]$/m, /^### Added$/m]],
    ['.github/CODEOWNERS', [/^\*\s+@\S+/m]],
  ])('%s exists and says what it must', (file, patterns) => {
    const text = read(file);
    for (const re of patterns) expect([file, re.test(text)]).toEqual([file, true]);
  });

  test('dependabot.yml parses and updates npm, github-actions and gomod (examples/ipsvc)', () => {
    const config = parseYaml(read('.github/dependabot.yml')) as {
      version: number;
      updates: { 'package-ecosystem': string; directory: string; schedule: { interval: string } }[];
    };
    expect(config.version).toBe(2);
    const byEcosystem = Object.fromEntries(config.updates.map((u) => [u['package-ecosystem'], u]));
    expect(Object.keys(byEcosystem).sort()).toEqual(['github-actions', 'gomod', 'npm']);
    expect(byEcosystem.gomod?.directory).toBe('/examples/ipsvc');
    for (const u of config.updates) {
      expect(fs.existsSync(path.join(root, u.directory))).toBe(true);
      expect(u.schedule.interval).toMatch(/^(daily|weekly|monthly)$/);
    }
    expect(fs.existsSync(path.join(root, 'examples/ipsvc/go.mod'))).toBe(true);
  });
});
