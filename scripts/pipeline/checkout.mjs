// The hac checkout act maps `org/hac/...@v1` to (--local-repository). act tars the whole mapped
// directory for every step that uses one of its actions (symlinks as links, nothing ignored), so
// mapping this working tree copies its node_modules and .git each time: 7 to 25 s a step on this
// machine. A runner downloads only the tracked tree; this checkout is that tree as links into the
// working tree, so each step's copy is a handful of links and the actions run the same files.
import fs from 'node:fs';
import path from 'node:path';

/** Top-level entries a runner's download of the action repository would not have. */
const NOT_DOWNLOADED = /^(node_modules|\.git|coverage|\.tmp.*)$/;

/** The names to link (pure): every top-level entry but the installed and ignored ones. */
export function checkoutEntries(names) {
  return names.filter((n) => !NOT_DOWNLOADED.test(n)).sort();
}

/** Makes `dir` a checkout of `repoRoot` made of links, and returns it. */
export function linkedCheckout(repoRoot, dir) {
  fs.mkdirSync(dir, { recursive: true });
  for (const name of checkoutEntries(fs.readdirSync(repoRoot)))
    fs.symlinkSync(path.join(repoRoot, name), path.join(dir, name));
  return dir;
}
