// The browser build's stand-in for ./dawn.ts (see vite.lib.config.ts): a page has navigator.gpu, never Dawn.
import type { DawnModule } from './dawn';

export async function loadDawn(): Promise<DawnModule> {
  throw new Error('this is the browser build of gateflow, which has no Dawn: in Node, import gateflow without the "browser" condition');
}
