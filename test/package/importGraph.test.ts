import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Every module reachable from `entry` through static imports and exports: project files and bare package names. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const code = readFileSync(file, 'utf8');
    // Type-only imports are erased when compiled: they load nothing.
    for (const m of code.matchAll(/^\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) {
        const path = join(dirname(file), spec.replace(/\?raw$/, ''));
        // Text imported as a string (WGSL, a corpus) or JSON: a leaf.
        if (/\.(wgsl|txt|json)$/.test(path)) files.add(path);
        else visit(`${path}.ts`);
      } else {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
  };
  visit(join(root, 'src/index.ts'));
  return { files, packages };
}

describe("the library's import graph (src/index.ts)", () => {
  it('loads no package: what only the CLI, the pages or the benchmark use stays out, and Dawn and onnx-proto are lazy imports (Node only; ONNX export only)', () => {
    const { files, packages } = importGraph(join(root, 'src/index.ts'));
    expect([...packages]).toEqual([]);
    const outside = [...files].map((f) => f.slice(root.length + 1)).filter((f) => !(f.startsWith('src/') || f.startsWith('shaders/')) || f.startsWith('src/cli/'));
    expect(outside).toEqual([]);
    expect(files.size).toBeGreaterThan(30);
  });
});
