// Bundles the library's declarations (src/index.ts) into dist/lib/index.d.ts: one file, so a
// consumer's tsc needs no path mapping and sees no source. The types use WebGPU's (GPUDevice, ...),
// which live in @webgpu/types, a dependency: the reference line makes them visible to every
// consumer without a `types` entry of their own. Types are checked by `npm run typecheck`, not here.
import { writeFileSync } from 'node:fs';
import { generateDtsBundle } from 'dts-bundle-generator';

const [bundle] = generateDtsBundle([{ filePath: 'src/index.ts', output: { noBanner: true } }], { preferredConfigPath: 'tsconfig.json' });
writeFileSync('dist/lib/index.d.ts', `/// <reference types="@webgpu/types" />\n${bundle}`);
