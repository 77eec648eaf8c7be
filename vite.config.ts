import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The site's pages: one HTML entry each, under the Vite root pages/. */
export const PAGES = {
  index: 'index.html',
  'gradient-flow': 'gradient-flow.html',
  'char-lm': 'char-lm.html',
  trajectory: 'trajectory.html',
  benchmark: 'benchmark.html',
} as const;

// The web pages (vite root = pages/) and the Vitest suite share this config.
// `npm run dev` serves the site; `npm run build` writes the static site to site-dist/ (relative
// links, so it works from any sub-path); the library is imported from ../src, never copied.
export default defineConfig({
  root: resolve(here, 'pages'),
  base: './',
  // The benchmark page's worker loads TF.js on demand: ES module workers keep that a split chunk.
  worker: { format: 'es' },
  build: {
    outDir: resolve(here, 'site-dist'),
    emptyOutDir: true,
    target: 'es2022',
    // TF.js (benchmark page only, loaded on demand) is one big chunk; that is expected.
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      input: Object.fromEntries(Object.entries(PAGES).map(([name, file]) => [name, resolve(here, 'pages', file)])),
    },
  },
  test: {
    // The pages live under pages/, the tests under test/: Vitest keeps the repository as its root.
    root: here,
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Dawn devices are heavy: one test file at a time keeps a 2-core machine responsive. The files
    // share one module graph and so one test device (test/helpers/gpu.ts) and its pipeline cache:
    // on lavapipe a pipeline's first dispatch compiles it (0.1–2 s), once per run instead of per file.
    fileParallelism: false,
    isolate: false,
    reporters: ['default'],
  },
});
