// Stages what a GPU machine without a package registry needs to run the CLI and the benchmark
// (issue 19's device runs): dist/ (the CLI and bench, built beforehand by `npm run build:cli`) and, of
// node_modules, of Dawn and TF.js only each package's package.json and the file its "main" names
// (following their require() calls: Dawn's linux-x64 binary, TF.js's one-file Node builds and its
// .wasm files), and the small packages those need, whole. The
// result, device-bundle/ (git-ignored, a few tens of MB), is what `run` carries; there:
//   bash device-bundle/device-run.sh   (scripts/device-run.sh: checks, then the GPU benchmarks)
// Usage: node scripts/device-bundle.mjs [out-dir]
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'device-bundle'));
const require = createRequire(join(root, 'package.json'));
const builtin = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

if (!existsSync(join(root, 'dist/cli.js')) || !existsSync(join(root, 'dist/bench.js'))) {
  console.error('device-bundle: run `npm run build:cli` first (dist/cli.js and dist/bench.js)');
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(root, 'dist'), join(out, 'dist'), { recursive: true });
writeFileSync(join(out, 'package.json'), JSON.stringify({ name: 'gateflow-device-bundle', private: true, type: 'module' }, null, 2));
// The PyTorch fixtures, for `gateflow check` on the GPU there; and the run script.
cpSync(join(root, 'test/fixtures'), join(out, 'fixtures'), { recursive: true });
cpSync(join(root, 'scripts/device-run.sh'), join(out, 'device-run.sh'));

/** Bare package names a file requires or imports statically (string literals only). */
function specifiers(file) {
  const code = readFileSync(file, 'utf8');
  const found = new Set();
  for (const m of code.matchAll(/(?:require\(|from\s+|import\()\s*["']([^"'./][^"']*)["']/g)) {
    const spec = m[1];
    if (builtin.has(spec) || builtin.has(spec.split('/')[0])) continue;
    found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
  }
  return found;
}

const copied = new Set();
/** The big packages, of which only the main file (and named extras) are taken. */
const SLIMMED = /^(webgpu|@tensorflow\/.*)$/;
/** Copies package `name`: package.json, its main file (and anything `extra` names), then what those require. */
function copyPackage(name, extra = []) {
  if (copied.has(name)) return;
  copied.add(name);
  let pkgJson;
  try {
    pkgJson = require.resolve(`${name}/package.json`);
  } catch {
    // A guarded require of something not installed here (e.g. seedrandom's optional generators).
    console.warn(`device-bundle: ${name} is not installed; left out (an optional require)`);
    copied.delete(name);
    return;
  }
  const pkgDir = dirname(pkgJson);
  const target = join(out, 'node_modules', name);
  mkdirSync(target, { recursive: true });
  if (!SLIMMED.test(name)) {
    // Small packages (seedrandom, long, node-fetch, ...) whole, with their own dependencies.
    cpSync(pkgDir, target, { recursive: true });
    const pkg = JSON.parse(readFileSync(pkgJson, 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) copyPackage(dep);
    return;
  }
  cpSync(pkgJson, join(target, 'package.json'));
  const mainFile = require.resolve(name);
  const files = [relative(pkgDir, mainFile), ...extra];
  for (const f of files) {
    mkdirSync(dirname(join(target, f)), { recursive: true });
    cpSync(join(pkgDir, f), join(target, f), { recursive: true });
  }
  for (const f of files.filter((f) => /\.[cm]?js$/.test(f))) for (const dep of specifiers(join(pkgDir, f))) if (dep !== name) copyPackage(dep);
}

// Dawn: its loader and the linux-x64 binary only.
copyPackage('webgpu', ['dist/linux-x64/dawn.node']);
// TF.js's Node builds (one file per package) and the WASM backend's binaries.
copyPackage('@tensorflow/tfjs');
copyPackage('@tensorflow/tfjs-backend-webgpu');
copyPackage('@tensorflow/tfjs-backend-wasm', ['dist/tfjs-backend-wasm.wasm', 'dist/tfjs-backend-wasm-simd.wasm', 'dist/tfjs-backend-wasm-threaded-simd.wasm']);
// Whatever the CLI and bench builds still import by name (everything else is inlined).
for (const f of ['dist/cli.js', 'dist/bench.js']) for (const dep of specifiers(join(root, f))) copyPackage(dep);

/** Bytes under a path. */
function size(p) {
  return statSync(p).isDirectory() ? readdirSync(p).reduce((a, f) => a + size(join(p, f)), 0) : statSync(p).size;
}
console.log(`device-bundle: ${out} — ${(size(out) / 2 ** 20).toFixed(1)} MiB, packages: ${[...copied].join(', ')}`);
