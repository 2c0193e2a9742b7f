#!/usr/bin/env node
// Rebuilds every bundle into a temporary directory and fails if it differs from the committed
// dist/: changed, missing or extra files all count. Usage: node scripts/check-dist.mjs [distDir]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from './build.mjs';
import { repoRoot } from './entries.mjs';

function walk(dir, base = dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full, base) : [path.relative(base, full)];
  });
}

export function compareTrees(expectedDir, actualDir) {
  const expected = new Set(walk(expectedDir));
  const actual = new Set(walk(actualDir));
  const problems = [];
  for (const f of expected) {
    if (!actual.has(f)) problems.push(`missing: dist/${f}`);
    else if (!fs.readFileSync(path.join(expectedDir, f)).equals(fs.readFileSync(path.join(actualDir, f))))
      problems.push(`stale:   dist/${f}`);
  }
  for (const f of actual) if (!expected.has(f)) problems.push(`extra:   dist/${f}`);
  return problems.sort();
}

export async function checkDist(distDir = path.join(repoRoot, 'dist')) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-dist-'));
  try {
    await build(tmp, { log: () => {} });
    return compareTrees(tmp, distDir);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const distDir = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  const problems = await checkDist(distDir);
  if (problems.length) {
    console.error(
      `check-dist: the committed dist/ is not what the build produces:\n  ${problems.join('\n  ')}`,
    );
    console.error('Run `npm run build` and commit dist/.');
    process.exit(1);
  }
  console.log('check-dist: dist/ matches the build');
}
