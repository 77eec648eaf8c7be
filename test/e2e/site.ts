// Helpers for the browser tests: build the site, serve it on 127.0.0.1, drive Debian's Chromium
// through playwright-core with the headless WebGPU flags (SwiftShader), and check the environment.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

export const ROOT = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const SITE_DIR = path.join(ROOT, 'site-dist');
export const OUTPUT_DIR = path.join(ROOT, 'test-output');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const inCi = (): boolean => !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/** From HEADLESS-WEBGPU.md: WebGPU on SwiftShader in headless Chromium, no network chatter. */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];
export const BASE_FLAGS = ['--no-sandbox', '--headless', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Builds the static site into site-dist/ with the project's vite.config.ts (the same as `npm run build`). */
export async function buildSite(): Promise<number> {
  const t0 = performance.now();
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'warn', mode: 'production' });
  return performance.now() - t0;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** A static file server for `dir` on 127.0.0.1 and a free port (WebGPU needs a secure context: http://127.0.0.1 is one). */
export async function serveDir(dir: string, extra: Record<string, string> = {}): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (extra[urlPath] !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(extra[urlPath]);
      return;
    }
    const file = path.join(dir, path.normalize(urlPath.endsWith('/') ? `${urlPath}index.html` : urlPath));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('static server: no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile; `webgpu: false` leaves out the WebGPU flags (a visitor without WebGPU). */
export async function launchChromium(opts: { webgpu: boolean }): Promise<Browser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'gateflow-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...(opts.webgpu ? WEBGPU_FLAGS : []), ...BASE_FLAGS],
    viewport: { width: 1280, height: 1000 },
    acceptDownloads: true,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** What a page logged as errors (console.error, uncaught exceptions); the tests expect none. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const file = path.join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const PROBE_PAGE = `<!doctype html><title>probe</title><script type="module">
  const a = navigator.gpu ? await navigator.gpu.requestAdapter() : null;
  window.__probe = a ? (a.info.vendor + ' ' + a.info.architecture).trim() || 'adapter' : null;
</script>`;

/**
 * Whether browser tests can run here: Chromium exists, starts, and offers a WebGPU adapter with the
 * flags. Returns null when they can, else the reason.
 */
export async function browserUnavailable(): Promise<string | null> {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (install Debian's chromium package: ./scripts/setup.sh)`;
  let browser: Browser | null = null;
  let server: StaticServer | null = null;
  try {
    server = await serveDir(path.join(tmpdir(), 'gateflow-probe-nonexistent'), { '/probe.html': PROBE_PAGE });
    browser = await launchChromium({ webgpu: true });
    const page = await browser.context.newPage();
    await page.goto(`${server.url}probe.html`);
    const adapter = await page.waitForFunction(() => (window as { __probe?: string | null }).__probe !== undefined, null, { timeout: 30_000 }).then(() =>
      page.evaluate(() => (window as { __probe?: string | null }).__probe),
    );
    return adapter ? null : 'Chromium started but offered no WebGPU adapter with the SwiftShader flags';
  } catch (err) {
    return `Chromium could not be started or driven: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    await browser?.close();
    await server?.close();
  }
}

/**
 * Polls `window.__gateflow` in the page until `predicate` holds for it (the predicate runs in the
 * page, with the state as `s`) — or until the page shows an error, so that a broken page fails at
 * once with its message instead of timing out.
 */
export async function waitForState(page: Page, predicate: string, timeout = 60_000): Promise<void> {
  await page.waitForFunction(`(() => { const s = window.__gateflow; return !!s && ((${predicate}) || s.errors.length > 0); })()`, null, { timeout, polling: 100 });
  const errors = await page.evaluate(() => window.__gateflow?.errors ?? []);
  if (errors.length > 0) throw new Error(`the page shows an error while waiting for ${predicate}:\n${errors.join('\n')}`);
}

/** Waits until the page's WebGPU setup has finished (with a device, or with its error shown). */
export async function waitForReady(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => window.__gateflow?.ready === true, null, { timeout, polling: 100 });
}

export async function pageState<T = Record<string, unknown>>(page: Page): Promise<T> {
  return page.evaluate(() => JSON.parse(JSON.stringify(window.__gateflow ?? null)) as T);
}
