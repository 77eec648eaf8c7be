// Device acquisition for the browser (navigator.gpu) and Node (Dawn's `webgpu` package).
import { loadDawn, type DawnModule } from './dawn';

/** What a person needs to know about the adapter a result came from. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** 'browser' or 'node-dawn'. */
  runtime: 'browser' | 'node-dawn';
  features: string[];
}

export interface GpuContext {
  device: GPUDevice;
  adapter: GPUAdapter;
  info: AdapterDescription;
  /** True when the device was created with `timestamp-query`. */
  hasTimestamps: boolean;
  /** The subgroup size when the device was created with `subgroups` and the adapter's size is fixed; else null. */
  subgroupSize: number | null;
  /** Resolves when the device is lost; the reason is also reported through `onLost`. */
  lost: Promise<GPUDeviceLostInfo>;
}

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** Called when the device is lost for any reason other than our own `destroy()`. Default: print to stderr/console. */
  onLost?: (info: GPUDeviceLostInfo) => void;
  /** Called on a validation/out-of-memory error nobody caught. Default: print. */
  onUncapturedError?: (message: string) => void;
}

/** No WebGPU here: the message says what is missing and how to get it (a browser with WebGPU, or Dawn and a Vulkan driver in Node). */
export class WebGpuUnavailableError extends Error {
  override name = 'WebGpuUnavailableError';
}

/**
 * The GPUDevice was lost (driver reset, GPU removed, out of memory, or destroyed) while work was
 * pending: nothing submitted after the loss ran, and reads from it fail with this error. The model's
 * GPU state is gone with the device; ResilientTrainer recovers from its last snapshot.
 */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
  constructor(
    /** GPUDeviceLostInfo.reason: 'destroyed' or 'unknown'. */
    readonly reason: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`GPU device lost (${reason})${detail ? `: ${detail}` : ''}`, options);
  }
}

const NODE_HELP =
  'In Node, gateflow uses Dawn (npm package "webgpu") over Vulkan, so it also needs a Vulkan driver: your GPU ' +
  "vendor's, or Mesa's lavapipe CPU driver (Debian/Ubuntu: libvulkan1 and mesa-vulkan-drivers; gateflow's " +
  'repository has scripts/setup.sh for it). Check with `npx gateflow doctor`.';
const BROWSER_HELP =
  'This browser has no WebGPU. Use a current Chrome/Edge (113+), or Firefox/Safari with WebGPU enabled; ' +
  'in Chromium on Linux start it with --enable-unsafe-webgpu --enable-features=Vulkan. Pages must be served ' +
  'over https:// or http://localhost.';

// Compute limits worth raising to what the adapter really supports (the defaults are small).
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
] as const;
// maxStorageBuffersPerShaderStage is deliberately left at WebGPU's default of 8: browsers grant little
// more (Chromium 10), so kernels are written for 8 and the Node tests hold them to it.

// Dawn's GPU instance must outlive every device made from it: if it is garbage-collected, the
// native instance goes and the process aborts. One per process, kept here.
let dawnInstance: GPU | null = null;

// A page or a Web Worker (which has no window; Node has neither a window nor a WorkerGlobalScope).
const isBrowser = (): boolean =>
  typeof navigator !== 'undefined' && (typeof window !== 'undefined' || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined');

/** In a browser without the WebGPU API, the error that says so (a page checks before it starts a worker); else null. */
export function missingWebGpuApi(): WebGpuUnavailableError | null {
  return isBrowser() && !('gpu' in navigator && navigator.gpu) ? new WebGpuUnavailableError(`WebGPU is not available. ${BROWSER_HELP}`) : null;
}

async function getGpu(): Promise<{ gpu: GPU; runtime: AdapterDescription['runtime'] }> {
  if (isBrowser()) {
    const missing = missingWebGpuApi();
    if (missing) throw missing;
    return { gpu: navigator.gpu, runtime: 'browser' };
  }
  let dawn: DawnModule;
  try {
    dawn = await loadDawn();
  } catch (err) {
    // Dawn is an optional peer dependency: a browser user never needs it, a Node user installs it.
    const missing = (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    const what = missing ? 'the npm package "webgpu" (Dawn) is not installed: run `npm install webgpu`' : `could not load Dawn (npm package "webgpu"): ${(err as Error).message}`;
    throw new WebGpuUnavailableError(`WebGPU in Node needs Dawn, and ${what}. ${NODE_HELP}`);
  }
  // Dawn's objects (GPUBufferUsage, ...) live in `globals`; shaders and wrappers use the standard names.
  Object.assign(globalThis, dawn.globals);
  dawnInstance ??= dawn.create([]);
  return { gpu: dawnInstance, runtime: 'node-dawn' };
}

function describe(adapter: GPUAdapter, runtime: AdapterDescription['runtime']): AdapterDescription {
  const info = adapter.info;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    runtime,
    features: [...adapter.features].sort(),
  };
}

/**
 * Whether the adapter is a CPU emulation (Mesa lavapipe/llvmpipe, SwiftShader). These run workgroups
 * as CPU threads and make barriers expensive, so the scheduler tunes differently for them.
 */
export function isCpuAdapter(info: AdapterDescription): boolean {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return /llvmpipe|lavapipe|swiftshader/.test(text);
}

/** One line for logs: "mesa llvmpipe (LLVM 19.1.7, 256 bits) via node-dawn". */
export function formatAdapter(info: AdapterDescription): string {
  const parts = [info.vendor, info.architecture, info.device || info.description].filter((s) => s);
  return `${parts.join(' ') || 'unknown adapter'} via ${info.runtime}`;
}

/** A GPUDevice with timestamp queries (when the adapter has them) and the adapter's real compute limits. */
export async function acquireDevice(opts: AcquireOptions = {}): Promise<GpuContext> {
  const { gpu, runtime } = await getGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new WebGpuUnavailableError(`WebGPU found no adapter (no usable GPU or Vulkan driver). ${runtime === 'browser' ? BROWSER_HELP : NODE_HELP}`);
  }
  const hasTimestamps = adapter.features.has('timestamp-query');
  // Subgroups only where their size is one known number (lavapipe: 8, its SIMD width): the CPU-adapter
  // kernels that share loads through subgroup shuffles are written for a fixed size.
  const sgInfo = (adapter.info ?? {}) as { subgroupMinSize?: number; subgroupMaxSize?: number };
  const subgroupSize = adapter.features.has('subgroups') && sgInfo.subgroupMinSize && sgInfo.subgroupMinSize === sgInfo.subgroupMaxSize ? sgInfo.subgroupMinSize : null;
  const features: GPUFeatureName[] = [];
  if (hasTimestamps) features.push('timestamp-query');
  if (subgroupSize) features.push('subgroups' as GPUFeatureName);
  // Half-precision storage for precision 'f16' (src/scheduler/precision.ts), wherever it is offered.
  if (adapter.features.has('shader-f16')) features.push('shader-f16');
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const value = adapter.limits[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  const device = await adapter.requestDevice({
    label: 'gateflow',
    requiredFeatures: features,
    requiredLimits,
  });
  const report = opts.onLost ?? ((i: GPUDeviceLostInfo) => console.error(`gateflow: GPU device lost (${i.reason}): ${i.message}`));
  const lost = device.lost.then((info) => {
    if (info.reason !== 'destroyed') report(info);
    return info;
  });
  const onError = opts.onUncapturedError ?? ((m: string) => console.error(`gateflow: uncaptured WebGPU error: ${m}`));
  device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => onError(ev.error.message);
  return { device, adapter, info: describe(adapter, runtime), hasTimestamps, subgroupSize, lost };
}
