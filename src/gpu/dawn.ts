// Loads Dawn, Node's WebGPU (the npm package "webgpu", an optional peer dependency of gateflow).
// The package's browser build (dist/lib/browser.js) replaces this module with ./dawn.browser.ts, so
// no browser bundle ever sees the import.

/** What gateflow uses of the `webgpu` package: its GPU factory and the globals (GPUBufferUsage, ...). */
export interface DawnModule {
  create: (flags: string[]) => GPU;
  globals: object;
}

export async function loadDawn(): Promise<DawnModule> {
  const name = 'webgpu'; // a variable, so Vite's dev server and the pages' build leave this Node-only import alone
  return (await import(/* @vite-ignore */ name)) as DawnModule;
}
