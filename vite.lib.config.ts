import { defineConfig } from 'vite';

// Builds the library (src/index.ts) to dist/lib/index.js: one ESM file for browsers and Node, with
// every WGSL module inlined as a string, so no consumer needs a loader. Its types are bundled to
// dist/lib/index.d.ts by dts-bundle-generator (npm run build:lib).
export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist/lib',
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: true,
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'index' },
  },
});
