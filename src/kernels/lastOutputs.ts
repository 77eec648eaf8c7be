// The per-row last outputs of a sequence (shaders/last_outputs.wgsl): gathered for a head that reads
// one vector per sequence, and their gradient scattered back.
import lastOutputsWgsl from '../../shaders/last_outputs.wgsl?raw';
import type { Gpu } from '../gpu/runtime';
import type { Recorder } from '../gpu/recorder';
import { defineKernel } from './kernel';
import { LENGTHS_BINDING } from './sequencePlace';
import { SteppedKernel } from './stepped';

export const LAST_OUTPUTS = defineKernel({
  name: 'last_outputs',
  code: [lastOutputsWgsl],
  storage: {
    seq: { access: 'read_write', doc: '[T,B,D·H] the top layer output (gather) or its gradient (scatter)' },
    rows: { access: 'read_write', doc: '[B,D·H] the last outputs (gather) or their gradient (scatter)' },
    lengths: LENGTHS_BINDING,
  },
  uniform: {
    name: 'dims',
    struct: {
      name: 'Dims',
      fields: [['B', 'u32', 'rows'], ['D', 'u32', 'directions'], ['H', 'u32', 'units per direction'], ['mode', 'u32', '0 gather, 1 scatter']],
    },
  },
  constants: { WG: 64 },
});

/** Gathers rows [B,D·H] from seq [T,B,D·H] (the forward half at each row's last step, the reverse half at step 0), and scatters their gradient back. */
export class LastOutputs {
  private readonly gather: SteppedKernel<typeof LAST_OUTPUTS.desc>;
  private readonly scatter: SteppedKernel<typeof LAST_OUTPUTS.desc>;
  private readonly gradSeq: GPUBuffer;

  constructor(gpu: Gpu, d: { B: number; D: number; H: number; seq: GPUBuffer; gradSeq: GPUBuffer; rows: GPUBuffer; gradRows: GPUBuffer; lengths: GPUBuffer }) {
    const dims = { B: d.B, D: d.D, H: d.H };
    const common = { kernel: LAST_OUTPUTS, constants: {}, threads: d.B * d.D * d.H };
    this.gather = new SteppedKernel(gpu, { ...common, buffers: { seq: d.seq, rows: d.rows, lengths: d.lengths }, variants: [{ ...dims, mode: 0 }], label: 'gather last outputs' });
    this.scatter = new SteppedKernel(gpu, { ...common, buffers: { seq: d.gradSeq, rows: d.gradRows, lengths: d.lengths }, variants: [{ ...dims, mode: 1 }], label: 'scatter last-output gradients' });
    this.gradSeq = d.gradSeq;
  }

  recordGather(rec: Recorder): void {
    this.gather.record(rec);
  }

  /** Zeroes the whole sequence gradient, then writes the rows' gradients at their steps. */
  recordScatter(rec: Recorder): void {
    rec.clear(this.gradSeq);
    this.scatter.record(rec);
  }

  dispose(): void {
    this.gather.dispose();
    this.scatter.dispose();
  }
}
