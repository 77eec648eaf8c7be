/** What a pool holds: the numbers leak tests assert on. */
export interface PoolStats {
  /** Live GPU buffers: in use plus pooled (released, kept for reuse). */
  liveBuffers: number;
  /** Bytes of all live buffers. */
  liveBytes: number;
  /** Buffers handed out and not yet released. */
  inUse: number;
  /** Bytes of the pooled (released) buffers; never above `maxPooledBytes`. */
  pooledBytes: number;
}

/** Default cap on the bytes kept in the pool for reuse (see BufferPool.maxPooledBytes). */
export const DEFAULT_MAX_POOLED_BYTES = 256 * 1024 * 1024;

/**
 * Owns GPU buffers. Buffers are pooled by (size, usage): `release` returns one for reuse and
 * `destroy` frees everything. The counters are what leak tests assert on.
 *
 * Released buffers are kept for reuse up to `maxPooledBytes`; past that, the ones released longest
 * ago are destroyed. Without the cap, a workload whose shapes keep changing (variable sequence
 * lengths, say) would keep one idle buffer per size it ever used, and memory would only grow.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  /** Every pooled buffer, oldest release first (a Set keeps insertion order): the eviction order. */
  private readonly freeOrder = new Set<GPUBuffer>();
  private readonly owned = new Set<GPUBuffer>();
  private inUse = 0;
  private bytes = 0;
  private pooled = 0;
  private destroyed = false;

  constructor(private readonly device: GPUDevice, private maxPooled = DEFAULT_MAX_POOLED_BYTES) {
    this.maxPooledBytes = maxPooled;
  }

  get stats(): PoolStats {
    return { liveBuffers: this.owned.size, liveBytes: this.bytes, inUse: this.inUse, pooledBytes: this.pooled };
  }

  /** Cap on pooled bytes; lowering it frees idle buffers at once. */
  get maxPooledBytes(): number {
    return this.maxPooled;
  }

  set maxPooledBytes(bytes: number) {
    if (!(Number.isFinite(bytes) && bytes >= 0)) throw new RangeError(`maxPooledBytes must be a finite number ≥ 0, got ${bytes}`);
    this.maxPooled = bytes;
    this.evict();
  }

  acquire(size: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    if (this.destroyed) throw new Error(`buffer "${label}": this pool (and its device) was destroyed`);
    // WebGPU needs sizes in multiples of 4; bucket to 256 bytes so near sizes share buffers.
    const bytes = Math.max(256, Math.ceil(size / 256) * 256);
    const limit = this.device.limits.maxBufferSize;
    if (bytes > limit) throw new RangeError(`buffer "${label}" needs ${bytes} bytes, over this device's maxBufferSize of ${limit}`);
    const key = `${bytes}:${usage}`;
    const reused = this.free.get(key)?.pop();
    this.inUse++;
    if (reused) {
      this.freeOrder.delete(reused);
      this.pooled -= reused.size;
      reused.label = label;
      return reused;
    }
    const buffer = this.device.createBuffer({ size: bytes, usage, label });
    this.owned.add(buffer);
    this.bytes += bytes;
    return buffer;
  }

  /** Returns a buffer for reuse. After destroy() it does nothing: the buffer is already freed. */
  release(buffer: GPUBuffer): void {
    if (this.destroyed) return;
    if (!this.owned.has(buffer)) throw new Error(`buffer "${buffer.label}" is not owned by this pool`);
    if (this.freeOrder.has(buffer)) throw new Error(`buffer "${buffer.label}" released twice`);
    const key = `${buffer.size}:${buffer.usage}`;
    const list = this.free.get(key) ?? [];
    list.push(buffer);
    this.free.set(key, list);
    this.freeOrder.add(buffer);
    this.pooled += buffer.size;
    this.inUse--;
    this.evict();
  }

  /** Frees the pooled (released) buffers, keeping those in use. */
  trim(): void {
    for (const b of this.freeOrder) this.drop(b);
    this.freeOrder.clear();
    this.free.clear();
    this.pooled = 0;
  }

  /** Frees every buffer this pool ever handed out. */
  destroy(): void {
    this.destroyed = true;
    for (const b of this.owned) b.destroy();
    this.owned.clear();
    this.free.clear();
    this.freeOrder.clear();
    this.inUse = 0;
    this.bytes = 0;
    this.pooled = 0;
  }

  /** Destroys the longest-idle pooled buffers until the pool is within its cap. */
  private evict(): void {
    for (const b of this.freeOrder) {
      if (this.pooled <= this.maxPooled) return;
      this.freeOrder.delete(b);
      const key = `${b.size}:${b.usage}`;
      const list = this.free.get(key)!;
      list.splice(list.indexOf(b), 1);
      if (list.length === 0) this.free.delete(key);
      this.pooled -= b.size;
      this.drop(b);
    }
  }

  private drop(b: GPUBuffer): void {
    this.owned.delete(b);
    this.bytes -= b.size;
    b.destroy();
  }
}
