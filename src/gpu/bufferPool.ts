/**
 * Owns GPU buffers. Buffers are pooled by (size, usage): `release` returns one for reuse and
 * `destroy` frees everything. The counters are what leak tests assert on.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly owned = new Set<GPUBuffer>();
  private inUse = 0;
  private bytes = 0;

  constructor(private readonly device: GPUDevice) {}

  /** Live GPU buffers (in use + pooled) and their total bytes. */
  get stats(): { liveBuffers: number; liveBytes: number; inUse: number } {
    return { liveBuffers: this.owned.size, liveBytes: this.bytes, inUse: this.inUse };
  }

  acquire(size: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    // WebGPU needs sizes in multiples of 4; bucket to 256 bytes so near sizes share buffers.
    const bytes = Math.max(256, Math.ceil(size / 256) * 256);
    const limit = this.device.limits.maxBufferSize;
    if (bytes > limit) throw new RangeError(`buffer "${label}" needs ${bytes} bytes, over this device's maxBufferSize of ${limit}`);
    const key = `${bytes}:${usage}`;
    const reused = this.free.get(key)?.pop();
    this.inUse++;
    if (reused) {
      reused.label = label;
      return reused;
    }
    const buffer = this.device.createBuffer({ size: bytes, usage, label });
    this.owned.add(buffer);
    this.bytes += bytes;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    if (!this.owned.has(buffer)) throw new Error(`buffer "${buffer.label}" is not owned by this pool`);
    const key = `${buffer.size}:${buffer.usage}`;
    const list = this.free.get(key) ?? [];
    if (list.includes(buffer)) throw new Error(`buffer "${buffer.label}" released twice`);
    list.push(buffer);
    this.free.set(key, list);
    this.inUse--;
  }

  /** Frees the pooled (released) buffers, keeping those in use. */
  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.owned.delete(b);
        this.bytes -= b.size;
        b.destroy();
      }
    }
    this.free.clear();
  }

  /** Frees every buffer this pool ever handed out. */
  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.clear();
    this.free.clear();
    this.inUse = 0;
    this.bytes = 0;
  }
}
