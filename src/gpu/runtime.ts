import { acquireDevice, DeviceLostError, isCpuAdapter, type AcquireOptions, type AdapterDescription, type GpuContext } from './device';
import { BufferPool } from './bufferPool';
import { PipelineCache } from './pipelineCache';
import { Recorder } from './recorder';
import type { GpuTimer } from './gpuTimer';

/** The two classes of adapter the kernels are chosen for (Gpu.as). */
export type AdapterClass = 'gpu' | 'cpu';

const STORAGE = 0x80; // GPUBufferUsage.STORAGE; numeric so this module loads before Dawn's globals
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const MAP_READ = 0x01;
const UNIFORM = 0x40;

/** How long a failed map waits for the device-lost notice before deciding the failure was something else. */
const LOST_NOTICE_MS = 100;

export interface GpuOptions {
  /** Cap on the bytes the buffer pool keeps for reuse (BufferPool.maxPooledBytes). */
  maxPooledBytes?: number;
}

/** One device with its buffer pool and pipeline cache: what every kernel wrapper is built on. */
export class Gpu {
  readonly device: GPUDevice;
  readonly info: AdapterDescription;
  readonly hasTimestamps: boolean;
  /** See GpuContext.subgroupSize. */
  readonly subgroupSize: number | null;
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly lost: Promise<GPUDeviceLostInfo>;
  /** Set once the device is lost, for any reason (our own destroy() included); null while it works. */
  lostInfo: { reason: string; message: string } | null = null;
  private destroyed = false;
  /** The views made by `as`, one per class. */
  private readonly views = new Map<AdapterClass, Gpu>();

  constructor(ctx: GpuContext, opts: GpuOptions = {}) {
    this.device = ctx.device;
    this.info = ctx.info;
    this.hasTimestamps = ctx.hasTimestamps;
    this.subgroupSize = ctx.subgroupSize;
    this.lost = ctx.lost.then((info) => {
      this.lostInfo = { reason: info.reason, message: info.message };
      return info;
    });
    this.pool = new BufferPool(ctx.device, opts.maxPooledBytes);
    this.pipelines = new PipelineCache(ctx.device);
  }

  static async create(opts: AcquireOptions & GpuOptions = {}): Promise<Gpu> {
    return new Gpu(await acquireDevice(opts), opts);
  }

  /** Whether the adapter is a CPU emulation (lavapipe, SwiftShader), where kernels split their work differently. */
  get cpuAdapter(): boolean {
    return isCpuAdapter(this.info);
  }

  /**
   * This device described as another adapter class: 'gpu' (a discrete GPU) or 'cpu' (a CPU emulation
   * such as lavapipe). Kernels then choose the work split and variants that class gets, so the
   * modules it would compile can be built, tested and written out here (`gateflow shaders`). The view
   * shares the device and buffer pool, and has a pipeline cache of its own (what it compiled); a
   * device already of that class is returned as it is.
   */
  as(adapterClass: AdapterClass): Gpu {
    if (this.cpuAdapter === (adapterClass === 'cpu')) return this;
    let view = this.views.get(adapterClass);
    if (!view) {
      const info: AdapterDescription =
        adapterClass === 'gpu'
          ? { ...this.info, vendor: 'described-as', architecture: 'gpu', device: '', description: 'a GPU' }
          : { ...this.info, vendor: 'described-as', architecture: 'llvmpipe', device: '', description: 'a CPU adapter' };
      view = Object.create(this, { info: { value: info }, pipelines: { value: new PipelineCache(this.device) } }) as Gpu;
      this.views.set(adapterClass, view);
    }
    return view;
  }

  /** True once the device is lost (see lostInfo); nothing submitted after that runs. */
  get isLost(): boolean {
    return this.lostInfo !== null;
  }

  /**
   * What a failed GPU operation (a rejected mapAsync, say) means: a DeviceLostError when the device
   * is lost — waiting briefly for the lost notice, which can trail the failure — else `err` itself.
   */
  async explainFailure(err: unknown): Promise<Error> {
    if (!this.lostInfo) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.lost, new Promise((resolve) => (timer = setTimeout(resolve, LOST_NOTICE_MS)))]);
      clearTimeout(timer);
    }
    if (this.lostInfo) return new DeviceLostError(this.lostInfo.reason, this.lostInfo.message, { cause: err });
    return err instanceof Error ? err : new Error(String(err));
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** A storage buffer of `floats` 32-bit values, checked against the binding-size limit. */
  storage(floats: number, label: string): GPUBuffer {
    const bytes = floats * 4;
    const limit = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > limit) throw new RangeError(`buffer "${label}" needs ${bytes} bytes, over this device's maxStorageBufferBindingSize of ${limit}`);
    return this.pool.acquire(bytes, STORAGE | COPY_SRC | COPY_DST, label);
  }

  /** A uniform buffer holding `words` (u32/f32 bit patterns), written now. */
  uniform(words: Uint32Array<ArrayBuffer>, label: string): GPUBuffer {
    const buffer = this.pool.acquire(words.byteLength, UNIFORM | COPY_DST, label);
    this.device.queue.writeBuffer(buffer, 0, words);
    return buffer;
  }

  write(buffer: GPUBuffer, data: Float32Array | Uint32Array | Int32Array, offsetFloats = 0): void {
    // Typed arrays over a SharedArrayBuffer are fine for writeBuffer; the DOM typings are stricter than the spec.
    this.device.queue.writeBuffer(buffer, offsetFloats * 4, data as Float32Array<ArrayBuffer>);
  }

  /** A recorder for one submission; with a timer (needs `hasTimestamps`) its passes are timed on the GPU. */
  recorder(label?: string, timer?: GpuTimer): Recorder {
    return new Recorder(this.device, label, timer);
  }

  submit(rec: Recorder): void {
    this.device.queue.submit([rec.finish()]);
  }

  /** Copies `count` floats from `buffer` back to the CPU. */
  async read(buffer: GPUBuffer, count: number, offsetFloats = 0): Promise<Float32Array> {
    const bytes = count * 4;
    const staging = this.pool.acquire(bytes, MAP_READ | COPY_DST, 'readback');
    try {
      const enc = this.device.createCommandEncoder({ label: 'readback' });
      enc.copyBufferToBuffer(buffer, offsetFloats * 4, staging, 0, bytes);
      this.device.queue.submit([enc.finish()]);
      await staging.mapAsync(MAP_READ, 0, bytes).catch(async (err: unknown) => {
        throw await this.explainFailure(err);
      });
      const out = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
      staging.unmap();
      return out;
    } finally {
      this.pool.release(staging);
    }
  }

  /** Frees every buffer and the device; safe to call more than once, and on a lost device. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pool.destroy();
    this.device.destroy();
  }
}
