import { defineConfig } from 'vitest/config';

// The web pages (vite root = pages/) and the Vitest suite share this config.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Dawn devices are heavy: one test file at a time keeps a 2-core machine responsive.
    fileParallelism: false,
    reporters: ['default'],
  },
});
