// Adds up Vitest JSON reports into one closing line: "Tests: N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`missing test report ${file}`);
    failed++;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numFailedTestSuites ?? 0) - countFailedSuitesWithTests(report);
  skipped += report.numPendingTests + report.numTodoTests;
}

// A suite that failed to load has no failed tests of its own; count it once as a failure.
function countFailedSuitesWithTests(report) {
  return report.testResults.filter(
    (s) => s.status === 'failed' && s.assertionResults.some((a) => a.status === 'failed'),
  ).length;
}

console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
