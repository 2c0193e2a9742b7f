#!/usr/bin/env node
// Bundles every action with @vercel/ncc into dist/<name>/ (index.js, post.js where needed).
// Usage: node scripts/build.mjs [outDir]   (default: dist). The output is deterministic.
import fs from 'node:fs';
import path from 'node:path';
import ncc from '@vercel/ncc';
import { minify } from 'terser';
import { entries, repoRoot } from './entries.mjs';

const CHUNK = /^\d+\.index\.m?js$/;

async function bundle(entry) {
  return ncc(entry, {
    minify: true,
    quiet: true,
    target: 'es2022',
    sourceMap: false,
    cache: false,
    // Types are checked by `npm run typecheck`; one file's type error must not break every bundle.
    transpileOnly: true,
    license: 'licenses.txt',
  });
}

function writeOnce(target, source) {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (fs.existsSync(target) && !fs.readFileSync(target).equals(Buffer.from(source))) {
    throw new Error(`build: ${target} would be written twice with different content`);
  }
  fs.writeFileSync(target, source);
}

export async function build(outDir = path.join(repoRoot, 'dist'), { log = console.log } = {}) {
  fs.rmSync(outDir, { recursive: true, force: true });
  for (const { entry, out } of entries()) {
    const started = Date.now();
    const { code, assets } = await bundle(entry);
    const actionDir = path.join(outDir, path.dirname(out));
    // main and post of one action are separate builds whose lazily loaded chunks can share a
    // name but not their content; post's chunks live in post/, behind a one-line post.js.
    const isPost = path.basename(out) === 'post.js';
    const chunks = Object.keys(assets).filter((n) => CHUNK.test(n));
    const codeDir = isPost && chunks.length ? path.join(actionDir, 'post') : actionDir;
    if (codeDir !== actionDir) {
      writeOnce(path.join(codeDir, 'index.js'), code);
      writeOnce(path.join(outDir, out), "import './post/index.js';\n");
    } else {
      writeOnce(path.join(outDir, out), code);
    }
    for (const [name, asset] of Object.entries(assets)) {
      let source = String(asset.source);
      if (CHUNK.test(name)) {
        // ncc minifies the entry but not the chunks it splits off for dynamic imports.
        source = (await minify(source, { module: true, compress: true, mangle: true })).code ?? source;
        writeOnce(path.join(codeDir, name), source);
      } else if (name === 'licenses.txt') {
        const target = path.join(actionDir, name);
        const merged = new Set([
          ...(fs.existsSync(target) ? fs.readFileSync(target, 'utf8').split('\n\n') : []),
          ...source.split('\n\n'),
        ]);
        fs.writeFileSync(target, [...merged].join('\n\n'));
      } else {
        writeOnce(path.join(actionDir, name), source);
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
