// Longest suites first, so that no long suite starts last and runs alone at the end of a pass
// (jest's own order needs timings from an earlier run on this machine, which a fresh CI machine
// lacks: it falls back to file size). Durations come from the last full run here
// (node_modules/.cache/hac/jest-durations.json, written by scripts/jest-run.mjs) or else from the
// committed scripts/jest-durations.json; a suite in neither counts as DEFAULT_MS.
const fs = require('node:fs');
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_MS = 5000;
const SOURCES = [
  path.join(ROOT, 'node_modules', '.cache', 'hac', 'jest-durations.json'),
  path.join(__dirname, 'jest-durations.json'),
];

/** Suite path (relative to the repository) → milliseconds, from the first source that reads. */
function loadDurations(sources = SOURCES) {
  for (const file of sources) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      /* next */
    }
  }
  return {};
}

/** The test paths, longest first by durations; ties in path order (pure). */
function order(paths, durations) {
  const ms = (p) => durations[path.relative(ROOT, p)] ?? DEFAULT_MS;
  return [...paths].sort((a, b) => ms(b) - ms(a) || a.localeCompare(b));
}

class LongestFirst extends Sequencer {
  sort(tests) {
    const durations = loadDurations();
    const byPath = new Map(tests.map((t) => [t.path, t]));
    return order([...byPath.keys()], durations).map((p) => byPath.get(p));
  }
}

module.exports = LongestFirst;
module.exports.order = order;
module.exports.loadDurations = loadDurations;
module.exports.ROOT = ROOT;
