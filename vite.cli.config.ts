import { defineConfig } from 'vite';

// Bundles the Node CLI to dist/cli.js so that WGSL `?raw` imports work under plain Node, and the
// benchmark command (bench/, a layer above the library) to dist/bench.js, which the CLI loads.
export default defineConfig({
  build: {
    ssr: true,
    outDir: 'dist',
    emptyOutDir: true,
    target: 'node20',
    rollupOptions: {
      input: { cli: 'src/cli/main.ts', bench: 'bench/command.ts' },
      output: { entryFileNames: '[name].js', banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : '') },
    },
  },
});
