// The bundles hac ships: one per action (main, plus post where the action has one) and the root dispatcher.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const ACTIONS = [
  'build-ami',
  'docker-build-push',
  'fleet',
  'k8s-bluegreen',
  'k8s-canary',
  'smoke-test',
  'swap-eip',
];

/** [{ name, entry, out }] where out is relative to the dist root, e.g. smoke-test/index.js. */
export function entries(root = repoRoot) {
  const list = [];
  const add = (name, dir) => {
    for (const [file, out] of [
      ['main.ts', 'index.js'],
      ['post.ts', 'post.js'],
    ]) {
      const entry = path.join(root, dir, file);
      if (fs.existsSync(entry)) list.push({ name, entry, out: `${name}/${out}` });
    }
  };
  for (const name of ACTIONS) add(name, `actions/${name}`);
  add('hac', 'root');
  // HAC_BUILD_ONLY=a,b limits a build (and check-dist) to some bundles; used by tests.
  const only = (process.env.HAC_BUILD_ONLY ?? '').split(',').filter(Boolean);
  return only.length ? list.filter((e) => only.includes(e.name)) : list;
}
