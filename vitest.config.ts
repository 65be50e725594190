import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Child-process tests run the compiled CLI: build it from the current sources first.
    globalSetup: ['test/build-dist.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: integration suites start servers and child processes.
    maxWorkers: 2,
    pool: 'forks',
  },
});
