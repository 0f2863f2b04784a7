import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real processes (tsc, eslint, cargo, git) run inside tests: allow them time, but keep
    // the two cores of CI busy without oversubscribing them.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    // With DISTIQ_TEST_REPORT set (.ci/run sets it), also write a JSON report for the closing line.
    reporters: process.env.DISTIQ_TEST_REPORT ? ['default', 'json'] : ['default'],
    outputFile: process.env.DISTIQ_TEST_REPORT ? { json: process.env.DISTIQ_TEST_REPORT } : undefined,
  },
});
