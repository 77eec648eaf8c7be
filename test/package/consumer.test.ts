// The package as a user gets it: `npm pack`, then installed from the tarball into an empty project,
// and used from a plain Node script, from TypeScript under strict NodeNext settings, and from a browser
// bundle made by esbuild with no configuration. `npm test` builds dist/ (build:cli, build:lib) first.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, inCi, launchChromium, serveDir } from '../e2e/site';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const bin = (name: string) => join(root, 'node_modules/.bin', name);

/** The Library section's script, exactly as the README shows it. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const library = readme.slice(readme.indexOf('\n## Library\n'));
  const code = /```js\n([\s\S]*?)```/.exec(library)?.[1];
  if (!code) throw new Error("README.md: no ```js block in the Library section");
  return code;
}

/** A minimal page script: one training step, its loss published for the test. */
const BROWSER_ENTRY = `import { Gpu, TrainingSession } from 'gateflow';
const gpu = await Gpu.create();
const session = new TrainingSession(gpu, { cell: 'lstm', inputSize: 2, hiddenSize: 8, outputSize: 1, headAt: 'last', loss: 'mse' }, { kind: 'adam', lr: 0.01 });
const T = 5, B = 3;
const x = Float32Array.from({ length: T * B * 2 }, (_, i) => Math.sin(i));
const report = await session.step({ x, T, B, target: [0.5, -0.25, 1] }, { report: true });
window.__result = { loss: report.loss, adapter: gpu.info.runtime };
`;

/** The strict settings a demanding TypeScript user has, with the library's declarations checked too. */
const STRICT_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM'],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: false,
    outDir: 'out',
  },
  files: ['app.ts'],
};

function run(cmd: string, args: string[], cwd: string, timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_loglevel: 'warn' } });
}
const said = (r: SpawnSyncReturns<string>) => `exit ${r.status}\n${r.stdout}\n${r.stderr}`;

let work: string;
let tarball: string;
let project: string;

beforeAll(() => {
  if (!existsSync(join(root, 'dist/lib/index.d.ts')) || !existsSync(join(root, 'dist/cli.js'))) {
    throw new Error('dist/ is not built: run `npm run build:cli && npm run build:lib` (npm test does)');
  }
  work = mkdtempSync(join(tmpdir(), 'gateflow-pack-'));
  // --ignore-scripts: dist/ is already built; prepack would build it again.
  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root);
  expect(packed.status, said(packed)).toBe(0);
  tarball = join(work, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
  project = join(work, 'app');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('passes publint (strict) and Are The Types Wrong (ESM-only profile)', () => {
    const lint = run(bin('publint'), [tarball, '--strict'], work);
    expect(lint.status, said(lint)).toBe(0);
    expect(lint.stdout).toMatch(/All good/);
    // An ESM-only package: a CommonJS require() of it is the one expected finding (the profile ignores it).
    const attw = run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'json'], work);
    expect(attw.status, said(attw)).toBe(0);
    const { analysis } = JSON.parse(attw.stdout) as { analysis: { problems: { kind: string; resolutionKind: string }[]; entrypoints: object } };
    expect(analysis.problems.filter((p) => p.resolutionKind !== 'node16-cjs' && p.resolutionKind !== 'node10')).toEqual([]);
    expect(Object.keys(analysis.entrypoints)).toEqual(['.', './package.json']);
  });

  it('holds the built library, its declarations, the CLI, README and LICENSE: no sources, tests, bench, pages or fixtures', () => {
    const list = run('tar', ['tzf', tarball], work);
    const files = list.stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/cli.js', 'dist/lib/index.d.ts', 'dist/lib/node/src/index.js', 'dist/lib/browser/src/index.js']));
    const unexpected = files.filter((f) => !/^(LICENSE|README\.md|package\.json|dist\/cli\.js|dist\/assets\/[\w-]+\.js|dist\/lib\/index\.d\.ts|dist\/lib\/(node|browser)\/(src|shaders)\/[\w/.-]+\.js)$/.test(f));
    expect(unexpected).toEqual([]);
    // The WGSL is inlined as strings: there is no .wgsl file to load.
    expect(files.filter((f) => f.endsWith('.wgsl') || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('installs into an empty project with no warning, bringing only @webgpu/types', () => {
    const install = run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], project);
    expect(install.status, said(install)).toBe(0);
    expect(install.stderr, 'warnings (EBADENGINE, install scripts, ...)').not.toMatch(/warn|EBADENGINE/i);
    const modules = readdirSync(join(project, 'node_modules')).filter((d) => !d.startsWith('.'));
    expect(modules.sort()).toEqual(['@webgpu', 'gateflow']);
    expect(readdirSync(join(project, 'node_modules/@webgpu'))).toEqual(['types']);
    // The CLI carries what only it uses (commander, cli-progress, vega) inside dist/cli.js.
    const version = run(join(project, 'node_modules/.bin/gateflow'), ['--version'], project);
    expect(version.status, said(version)).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it("without Dawn, the README's script stops with an error that names the package to install", () => {
    writeFileSync(join(project, 'app.mjs'), readmeExample());
    const r = run(process.execPath, ['app.mjs'], project);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/WebGpuUnavailableError: WebGPU in Node needs Dawn, and the npm package "webgpu" \(Dawn\) is not installed: run `npm install webgpu`/);
  });

  it("with Dawn, the README's script runs under plain Node: it trains and prints finite losses", () => {
    // Dawn is the optional peer the user installs; the repository's copy stands in for `npm install webgpu`.
    symlinkSync(join(root, 'node_modules/webgpu'), join(project, 'node_modules/webgpu'), 'dir');
    const r = run(process.execPath, ['app.mjs'], project);
    expect(r.status, said(r)).toBe(0);
    expectTrainingOutput(r.stdout);
  });

  it("the same script as TypeScript compiles under NodeNext, strict, noUncheckedIndexedAccess and exactOptionalPropertyTypes with skipLibCheck off, and runs", () => {
    writeFileSync(join(project, 'app.ts'), readmeExample());
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(STRICT_TSCONFIG, null, 2));
    const tsc = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'], project);
    expect(tsc.status, said(tsc)).toBe(0);
    expect(tsc.stdout).toBe('');
    const r = run(process.execPath, ['out/app.js'], project);
    expect(r.status, said(r)).toBe(0);
    expectTrainingOutput(r.stdout);
  });

  it('esbuild bundles it for the browser with no loader configuration, within 60 kB gzip, and the bundle trains a step in Chromium', async () => {
    writeFileSync(join(project, 'page.js'), BROWSER_ENTRY);
    const esbuild = await import('esbuild');
    const result = await esbuild.build({ absWorkingDir: project, entryPoints: ['page.js'], bundle: true, minify: true, format: 'esm', platform: 'browser', outfile: 'site/page.js', logLevel: 'silent' });
    expect(result.errors).toEqual([]);
    const bundle = readFileSync(join(project, 'site/page.js'));
    const gzipKb = gzipSync(bundle).length / 1024;
    console.log(`browser bundle (one training step): ${(bundle.length / 1024).toFixed(1)} kB minified, ${gzipKb.toFixed(1)} kB gzip`);
    expect(gzipKb).toBeLessThanOrEqual(60);
    expect(bundle.toString()).not.toMatch(/import\(\s*["']webgpu["']\s*\)|from\s*["']webgpu["']|["']node:/); // no Dawn, no Node module

    const unavailable = await browserUnavailable();
    if (unavailable) {
      if (inCi()) throw new Error(`the browser check cannot run: ${unavailable}`);
      console.warn(`skipping the in-browser run of the bundle: ${unavailable}`);
      return;
    }
    writeFileSync(join(project, 'site/index.html'), '<!doctype html><title>gateflow bundle</title><script type="module" src="page.js"></script>');
    const server = await serveDir(join(project, 'site'));
    const browser = await launchChromium({ webgpu: true });
    try {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${server.url}index.html`);
      // A failure shows as a page error; waiting on stops early then and the errors say why.
      await page.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined, null, { timeout: 60_000, polling: 100 }).catch(() => undefined);
      const out = await page.evaluate(() => (window as { __result?: { loss: number; adapter: string } }).__result);
      expect(errors).toEqual([]);
      expect(out?.adapter).toBe('browser');
      expect(Number.isFinite(out?.loss)).toBe(true);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

/** The README script's output: the forward/backward line, three training lines and the held-out loss, all finite. */
function expectTrainingOutput(stdout: string): void {
  expect(stdout).toMatch(/^forward: 192 outputs, 64 final states; backward: 36 input grads, 2 layers$/m);
  const losses = [...stdout.matchAll(/^step \d+: loss (\S+), gradient norm (\S+)$/gm)].map((m) => Number(m[1]));
  expect(losses).toHaveLength(3);
  const held = /^held-out loss (\S+); first prediction (\S+), target (\S+)$/m.exec(stdout);
  expect(held, stdout).not.toBeNull();
  for (const v of [...losses, Number(held![1]), Number(held![2])]) expect(Number.isFinite(v), stdout).toBe(true);
  expect(stdout).toMatch(/^checkpoint: \d+ bytes$/m);
}
