/**
 * GPU time of recorded work from `timestamp-query`: each compute pass a Recorder opens gets a begin
 * and an end timestamp; `readMs` sums the passes' durations. Only where the device has the feature
 * (`Gpu.hasTimestamps`); wall time around onSubmittedWorkDone is the figure everywhere else.
 */
export class GpuTimer {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private readonly readBuffer: GPUBuffer;
  private used = 0;

  constructor(private readonly device: GPUDevice, readonly maxPasses = 16) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 * maxPasses, label: 'gateflow timer' });
    this.resolveBuffer = device.createBuffer({ size: 16 * maxPasses, usage: 0x200 | 0x04, label: 'timer resolve' }); // QUERY_RESOLVE | COPY_SRC
    this.readBuffer = device.createBuffer({ size: 16 * maxPasses, usage: 0x01 | 0x08, label: 'timer read' }); // MAP_READ | COPY_DST
  }

  /** Begins a new measurement (a recorder's worth of passes). */
  reset(): void {
    this.used = 0;
  }

  /** The timestamp writes for the next pass; passes beyond maxPasses go untimed (and readMs says so with NaN). */
  nextPass(): GPUComputePassTimestampWrites | undefined {
    const i = this.used++;
    if (i >= this.maxPasses) return undefined;
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Records the copy of this measurement's timestamps; the Recorder calls it when it finishes. */
  resolve(encoder: GPUCommandEncoder): void {
    const n = Math.min(this.used, this.maxPasses);
    if (n === 0) return;
    encoder.resolveQuerySet(this.querySet, 0, 2 * n, this.resolveBuffer, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, this.readBuffer, 0, 16 * n);
  }

  /** Milliseconds the GPU spent in the passes of the last submitted measurement. */
  async readMs(): Promise<number> {
    const n = Math.min(this.used, this.maxPasses);
    if (n === 0) return 0;
    await this.readBuffer.mapAsync(0x01, 0, 16 * n);
    const ticks = new BigUint64Array(this.readBuffer.getMappedRange(0, 16 * n).slice(0));
    this.readBuffer.unmap();
    let ns = 0n;
    for (let i = 0; i < n; i++) ns += ticks[2 * i + 1] - ticks[2 * i];
    return this.used > this.maxPasses ? Number.NaN : Number(ns) / 1e6;
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
    this.readBuffer.destroy();
  }
}
