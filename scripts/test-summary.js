// Prints one plain closing line, `N passed, N failed`, from vitest's JSON report, so any CI log
// reader can tell how many tests ran. vitest writes the report when DISTIQ_TEST_REPORT is set.
import { existsSync, readFileSync } from 'node:fs';

const file = process.env.DISTIQ_TEST_REPORT;
if (file && existsSync(file)) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);
}
