// After jest's own summary: the 10 slowest suites of the run, then the run's totals as one plain
// line, "N passed, N failed, N skipped".
const path = require('node:path');

class PlainSummary {
  onRunComplete(_contexts, results) {
    const suites = results.testResults
      .map((r) => ({
        file: path.relative(process.cwd(), r.testFilePath),
        ms: r.perfStats.end - r.perfStats.start,
      }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10);
    if (suites.length > 1) {
      process.stdout.write('\nSlowest suites:\n');
      for (const s of suites)
        process.stdout.write(`  ${(s.ms / 1000).toFixed(1).padStart(7)} s  ${s.file}\n`);
    }
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(
      `\n${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  }
}
module.exports = PlainSummary;
