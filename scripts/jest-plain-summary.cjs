// After jest's own summary: the 10 slowest suites of the run, then the run's totals as one plain
// line, "N passed, N failed, N skipped". When HAC_JEST_RESULTS names a file (scripts/jest-run.mjs
// sets it), each pass appends its figures there as one JSON line instead, and the runner prints
// the summary of all passes together.
const fs = require('node:fs');
const path = require('node:path');

/** One pass's figures: every suite with its wall time, and the test counts. */
function figures(results) {
  return {
    suites: results.testResults.map((r) => ({
      file: path.relative(process.cwd(), r.testFilePath),
      ms: r.perfStats.end - r.perfStats.start,
    })),
    passed: results.numPassedTests,
    failed: results.numFailedTests,
    skipped: results.numPendingTests + results.numTodoTests,
  };
}

/** The summary text of one or more passes' figures. */
function format(passes) {
  const suites = passes
    .flatMap((p) => p.suites)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 10);
  const sum = (k) => passes.reduce((n, p) => n + p[k], 0);
  let text = '';
  if (suites.length > 1) {
    text += '\nSlowest suites:\n';
    for (const s of suites) text += `  ${(s.ms / 1000).toFixed(1).padStart(7)} s  ${s.file}\n`;
  }
  const skipped = sum('skipped');
  text += `\n${sum('passed')} passed, ${sum('failed')} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
  return text;
}

class PlainSummary {
  onRunComplete(_contexts, results) {
    const f = figures(results);
    const file = process.env.HAC_JEST_RESULTS;
    if (file) fs.appendFileSync(file, `${JSON.stringify(f)}\n`);
    else process.stdout.write(format([f]));
  }
}
module.exports = PlainSummary;
module.exports.format = format;
