import { defineConfig } from 'vite';

// Bundles the standalone benchmark runner to bench/dist/bench.js (WGSL `?raw` imports need Vite).
export default defineConfig({
  build: {
    ssr: 'bench/main.ts',
    outDir: 'bench/dist',
    emptyOutDir: true,
    target: 'node20',
    rollupOptions: { output: { entryFileNames: 'bench.js' } },
  },
});
