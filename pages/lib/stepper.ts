// Running a trained network one time step at a time, for sampling text and continuing a curve.
// A TrainPlan with T = 1, B = 1 and the head at the last step: each step records the forward pass
// and the head (encodeInference), then copies the new h (and c) of every layer into the plan's
// h0/c0 on the GPU, so the state carries over to the next step without a read-back. Only the
// outputs the caller asks for are read back.
import type { Gpu } from '../../src/gpu/runtime';
import type { Recorder } from '../../src/gpu/recorder';
import type { RecurrentNetwork } from '../../src/model/recurrentNetwork';
import { TrainPlan, type LossKind } from '../../src/scheduler/trainPlan';

/** What the top layer computed at each traced step (Stepper.startTrace): per step `width` floats. */
export interface CellTrace {
  steps: number;
  /** LSTM: i, f, g, o, c, h (H each); RNN: h. */
  parts: readonly string[];
  hidden: number;
  /** [steps][parts][H]. */
  data: Float32Array;
}

export class Stepper {
  private readonly plan: TrainPlan;
  private trace: { buffer: GPUBuffer; capacity: number; steps: number } | null = null;
  /** Width of the head's output (the network's outputSize). */
  readonly outputSize: number;
  private disposed = false;

  constructor(private readonly gpu: Gpu, private readonly net: RecurrentNetwork, loss: LossKind) {
    if (!net.layout.head) throw new Error('Stepper needs a network with a linear head (outputSize > 0)');
    this.outputSize = net.layout.outputSize;
    this.plan = new TrainPlan(gpu, net, 1, 1, loss, 'last', false);
    this.reset();
  }

  /** Zero state (h0 = c0 = 0), as at the start of a sequence. */
  reset(): void {
    const { numLayers: L, hiddenSize: H } = this.net.cfg;
    const zeros = new Float32Array(L * H);
    this.gpu.write(this.plan.recurrent.h0, zeros);
    if (this.plan.recurrent.c0) this.gpu.write(this.plan.recurrent.c0, zeros);
  }

  /** Records one step into `rec`: forward + head, then the new state into h0/c0. The input must already be in x. */
  private record(rec: Recorder): void {
    const r = this.plan.recurrent;
    const bytes = this.net.cfg.hiddenSize * 4; // B = 1
    this.plan.encodeInference(rec);
    r.layers.forEach((layer, l) => {
      rec.copy(layer.h, bytes, r.h0, l * bytes, bytes); // slot 1 = h after the step
      if (layer.c && r.c0) rec.copy(layer.c, bytes, r.c0, l * bytes, bytes);
    });
    this.recordTrace(rec);
  }

  /** The parts a trace holds per step for this cell. */
  private get traceParts(): string[] {
    return this.net.cfg.cell === 'lstm' ? ['i', 'f', 'g', 'o', 'c', 'h'] : ['h'];
  }

  /**
   * From now on every step also copies what the top layer computed on the GPU — the LSTM's gates
   * i, f, g, o, its cell state c and h (the RNN's h) — into a trace of up to `capacity` steps, read
   * once by readTrace(): no read-back per step.
   */
  startTrace(capacity: number): void {
    // It copies the gates as f32 words: under precision 'f16' they are stored as halves.
    if (this.plan.recurrent.precision !== 'f32') throw new Error(`the cell trace reads networks of precision 'f32', not '${this.plan.recurrent.precision}'`);
    this.stopTrace();
    const width = this.traceParts.length * this.net.cfg.hiddenSize;
    this.trace = { buffer: this.gpu.storage(Math.max(1, capacity) * width, 'cell trace'), capacity, steps: 0 };
  }

  private recordTrace(rec: Recorder): void {
    const t = this.trace;
    if (!t || t.steps >= t.capacity) return;
    const H = this.net.cfg.hiddenSize;
    const top = this.plan.recurrent.layers[this.plan.recurrent.layers.length - 1]!;
    const width = this.traceParts.length * H * 4;
    let at = t.steps * width;
    if (top.gates && top.c) {
      rec.copy(top.gates, 0, t.buffer, at, 4 * H * 4); // [T=1,B=1,4H]: i, f, g, o
      at += 4 * H * 4;
      rec.copy(top.c, H * 4, t.buffer, at, H * 4); // slot 1: c after the step
      at += H * 4;
    }
    rec.copy(top.h, H * 4, t.buffer, at, H * 4);
    t.steps++;
  }

  /** The trace since startTrace (waits for the GPU); tracing goes on. */
  async readTrace(): Promise<CellTrace> {
    const t = this.trace;
    if (!t) throw new Error('readTrace: no trace was started');
    const H = this.net.cfg.hiddenSize;
    const parts = this.traceParts;
    const data = t.steps > 0 ? await this.gpu.read(t.buffer, t.steps * parts.length * H) : new Float32Array(0);
    return { steps: t.steps, parts, hidden: H, data };
  }

  stopTrace(): void {
    if (this.trace) this.gpu.pool.release(this.trace.buffer);
    this.trace = null;
  }

  /** Feeds one input vector; returns the head's output when `read` is set (else null, nothing waits). */
  step(x: Float32Array, read: boolean): Promise<Float32Array> | null {
    if (this.disposed) throw new Error('this Stepper was disposed');
    this.gpu.write(this.plan.recurrent.x, x);
    const rec = this.gpu.recorder('stepper');
    this.record(rec);
    this.gpu.submit(rec);
    return read ? this.gpu.read(this.plan.logits, this.outputSize, this.plan.predictionOffset) : null;
  }

  /**
   * Closed-loop rollout (the output is the next input: needs inputSize = outputSize): `steps` steps
   * recorded into one command buffer, each output copied into the next input on the GPU, and all
   * outputs read back once at the end. The first input is `x0`.
   */
  async rollout(x0: Float32Array, steps: number): Promise<Float32Array> {
    if (this.disposed) throw new Error('this Stepper was disposed');
    const O = this.outputSize;
    if (this.net.cfg.inputSize !== O) throw new Error(`rollout feeds outputs back as inputs: needs inputSize ${this.net.cfg.inputSize} = outputSize ${O}`);
    const out = this.gpu.storage(Math.max(1, steps) * O, 'rollout');
    try {
      this.gpu.write(this.plan.recurrent.x, x0);
      const rec = this.gpu.recorder('rollout');
      const bytes = O * 4;
      for (let t = 0; t < steps; t++) {
        this.record(rec);
        rec.copy(this.plan.logits, this.plan.predictionOffset * 4, out, t * bytes, bytes);
        rec.copy(this.plan.logits, this.plan.predictionOffset * 4, this.plan.recurrent.x, 0, bytes);
      }
      this.gpu.submit(rec);
      return await this.gpu.read(out, steps * O);
    } finally {
      this.gpu.pool.release(out);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopTrace();
    this.plan.dispose();
  }
}
