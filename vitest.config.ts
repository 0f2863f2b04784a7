import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real processes (tsc, eslint, cargo, git) run inside tests. Tests wait on events (exit,
    // a marker file, a request), never on a guessed duration; the timeouts below are only a net
    // for a hung test, set far above what any test needs on a busy 2-core machine.
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/support/per-test.ts'],
    // The progress reporter adds a heartbeat and the counts behind the closing line.
    reporters: ['default', './test/support/progress-reporter.ts'],
  },
});
