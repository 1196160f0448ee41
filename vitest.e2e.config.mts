import { defineConfig } from 'vitest/config';

// End-to-end suite: the packaged .vsix in a real code-server driven by Chromium (test/e2e/README.md).
// Used alone (`npm run test:e2e`) and as the `e2e` project of vitest.config.mts (`npm test`), where
// its own group (groupOrder) keeps it from running alongside the other projects on the two cores.
export default defineConfig({
  test: {
    name: 'e2e',
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/globalSetup.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    retry: 0,
    hookTimeout: 180_000,
    testTimeout: 90_000,
    sequence: { groupOrder: 1 },
  },
});
