import { defineConfig } from 'vite';

// Bundles the Node CLI to dist/cli.js so that WGSL `?raw` imports work under plain Node, and the
// benchmark command (bench/, a layer above the library) to dist/bench.js, which the CLI loads.
// What only the CLI uses (commander, cli-progress, vega, vega-lite) is inlined, so the published
// package depends on none of it; Dawn (`webgpu`, an optional peer) stays a runtime import, and so
// does TF.js, which only the benchmark (not published) loads.
export default defineConfig({
  ssr: { noExternal: true },
  build: {
    ssr: true,
    outDir: 'dist',
    emptyOutDir: true,
    target: 'node20',
    rollupOptions: {
      input: { cli: 'src/cli/main.ts', bench: 'bench/command.ts' },
      external: ['webgpu', /^@tensorflow\//],
      output: { entryFileNames: '[name].js', banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : '') },
    },
  },
});
