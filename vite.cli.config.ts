import { defineConfig } from 'vite';

// Bundles the Node CLI to dist/cli.js so that WGSL `?raw` imports work under plain Node.
export default defineConfig({
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist',
    emptyOutDir: true,
    target: 'node20',
    rollupOptions: {
      output: { entryFileNames: 'cli.js', banner: '#!/usr/bin/env node' },
    },
  },
});
