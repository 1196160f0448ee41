import { defineConfig } from 'vitest/config';

// One config, four projects. `npx vitest run --project unit` runs one suite; plain `npx vitest run`
// runs them all. Browser and e2e tests drive real Chromium / code-server, hence the long timeouts and
// one fork at a time for them.
export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      // code-server + Chromium; its own file (globalSetup packs and installs the .vsix; runs last).
      './vitest.e2e.config.mts',
    ],
  },
});
