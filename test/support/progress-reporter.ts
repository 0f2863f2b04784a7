import { writeFileSync } from 'node:fs';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

/**
 * Two things the default reporter does not do: a heartbeat on long suites (a line at most every
 * HEARTBEAT_MS while tests are finishing, so CI logs never go quiet for minutes), and the counts
 * of the run written to DISTIQ_TEST_COUNTS, from which scripts/run-tests.js prints the closing
 * `N passed, N failed` line whether the run passed, failed or crashed.
 */
const HEARTBEAT_MS = 30_000;

export default class ProgressReporter implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;
  private lastBeat = Date.now();
  private readonly running = new Set<string>();

  onTestModuleStart(module: TestModule): void {
    this.running.add(module.moduleId.replace(`${process.cwd()}/`, ''));
  }

  onTestModuleEnd(module: TestModule): void {
    this.running.delete(module.moduleId.replace(`${process.cwd()}/`, ''));
    // A file that failed to load or whose hooks failed has no failed test of its own: count it.
    if (module.state() === 'failed' && ![...module.children.allTests('failed')].length)
      this.failed++;
  }

  onTestCaseResult(test: TestCase): void {
    const state = test.result().state;
    if (state === 'passed') this.passed++;
    else if (state === 'failed') this.failed++;
    else this.skipped++;
    if (Date.now() - this.lastBeat >= HEARTBEAT_MS) {
      this.lastBeat = Date.now();
      const running = [...this.running].join(', ');
      console.log(
        `… ${this.passed} passed, ${this.failed} failed so far; running: ${running || '-'}`,
      );
    }
  }

  onTestRunEnd(_modules: readonly TestModule[], errors: readonly unknown[]): void {
    const file = process.env.DISTIQ_TEST_COUNTS;
    const counts = {
      passed: this.passed,
      failed: this.failed + errors.length,
      skipped: this.skipped,
    };
    if (file) writeFileSync(file, JSON.stringify(counts));
  }
}
