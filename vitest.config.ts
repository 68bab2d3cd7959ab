import { defineConfig } from 'vitest/config';

// One runner for the workspace: unit tests beside each package, end-to-end tests in test/.
// The global setup marks everything the suite starts and fails the run if any of it is left.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default'],
  },
});
