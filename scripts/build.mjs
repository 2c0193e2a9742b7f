#!/usr/bin/env node
// Bundles every action with @vercel/ncc into dist/<name>/ (index.js, post.js where needed).
// Usage: node scripts/build.mjs [outDir]   (default: dist). The output is deterministic.
import fs from 'node:fs';
import path from 'node:path';
import ncc from '@vercel/ncc';
import { entries, repoRoot } from './entries.mjs';

export async function build(outDir = path.join(repoRoot, 'dist'), { log = console.log } = {}) {
  fs.rmSync(outDir, { recursive: true, force: true });
  for (const { entry, out } of entries()) {
    const started = Date.now();
    const { code, assets } = await ncc(entry, {
      minify: true,
      quiet: true,
      target: 'es2022',
      sourceMap: false,
      cache: false,
      transpileOnly: true, // type checking is `npm run typecheck`; one file's type error must not break every bundle
      license: 'licenses.txt',
    });
    const dir = path.join(outDir, path.dirname(out));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(outDir, out), code);
    for (const [name, asset] of Object.entries(assets)) {
      const target = path.join(dir, name);
      // main and post of one action share package.json and licenses; keep one copy of each.
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (name === 'licenses.txt' && fs.existsSync(target)) {
        const merged = new Set([
          ...fs.readFileSync(target, 'utf8').split('\n\n'),
          ...String(asset.source).split('\n\n'),
        ]);
        fs.writeFileSync(target, [...merged].join('\n\n'));
      } else {
        fs.writeFileSync(target, asset.source);
      }
    }
    log(
      `built ${path.relative(repoRoot, path.join(outDir, out))} (${code.length} bytes, ${Date.now() - started} ms)`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await build(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
}
