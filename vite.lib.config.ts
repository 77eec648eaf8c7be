import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// Builds the library (src/index.ts) as one ESM file with every WGSL module inlined as a string, so no
// consumer needs a loader: dist/lib/index.js for Node (it may import Dawn, the `webgpu` package) and,
// with `--mode browser`, dist/lib/browser.js, where the Dawn loader is a stub (src/gpu/dawn.browser.ts)
// so that browser bundlers never meet the Node-only package. package.json's exports pick one by the
// "browser" condition. The types are bundled to dist/lib/index.d.ts by scripts/build-types.mjs.
export default defineConfig(({ mode }) => {
  const browser = mode === 'browser';
  return {
    publicDir: false,
    resolve: { alias: browser ? [{ find: /^\.\/dawn$/, replacement: resolve(here, 'src/gpu/dawn.browser.ts') }] : [] },
    build: {
      outDir: browser ? 'dist/lib/browser' : 'dist/lib/node',
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      lib: { entry: resolve(here, 'src/index.ts'), formats: ['es'] },
      // One output module per source module (WGSL included), so that with `sideEffects: false` a
      // bundler drops whole modules a program never uses (the tasks' text corpus, the CPU reference).
      // onnx-proto (ONNX export) is an optional peer dependency, imported when a model is exported.
      rolldownOptions: { external: ['onnx-proto'], output: { preserveModules: true, preserveModulesRoot: here, entryFileNames: '[name].js' } },
    },
  };
});
