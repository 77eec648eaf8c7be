import type { Gpu } from '../gpu/runtime';
import type { LossKind } from '../config';
import type { Recorder } from '../gpu/recorder';
import type { RecurrentNetwork } from '../model/recurrentNetwork';
import { RecurrentPlan } from './recurrentPlan';
import { GemmKernel } from '../kernels/gemm';
import { columnSumKernel } from '../kernels/columnSum';
import { mseLossKernel, softmaxCrossEntropyKernel } from '../kernels/losses';
import { LastOutputs } from '../kernels/lastOutputs';
import { directions, outputWidth } from '../config';

export type { LossKind } from '../config';
export type HeadAt = 'all' | 'last';

/** Anything that records the parameter update after the gradients exist (an optimizer). */
export interface UpdateRecorder {
  record(rec: Recorder): void;
}

/**
 * One training step's GPU work for a (T, B) shape, on top of the network's RecurrentPlan:
 * recurrent forward → linear head → loss → head backward → BPTT → the optimizer's update.
 * The head reads the top layer's output (D·H wide: every direction) at every step ('all', N = T·B
 * rows) or once per sequence ('last', N = B rows): the output at step T−1, or — with two directions
 * or per-row lengths — the forward half at each row's last step and the reverse half at step 0
 * (LastOutputs). Built once per shape; `encode` only records.
 */
export class TrainPlan {
  readonly N: number;
  /** Owned by this plan (not the network's cache), so it lives exactly as long as the plan. */
  readonly recurrent: RecurrentPlan;
  /** Predictions [N,O]: the head's output, or (no head) the top layer's h buffer from `predictionOffset`. */
  readonly logits: GPUBuffer;
  readonly predictionOffset: number;
  readonly dlogits: GPUBuffer; // [N,O]
  readonly target: GPUBuffer; // MSE: f32 [N,O]; cross-entropy: i32 [N]
  readonly mask: GPUBuffer | null; // MSE: per element; cross-entropy: per row
  /** Float 0: the step's mean loss (read by the optimizer's finiteness check and by callers); float 1: the accuracy (cross-entropy). */
  readonly loss: GPUBuffer;
  private readonly kernels: { dispose(): void }[] = [];
  private readonly owned: GPUBuffer[] = [];
  private readonly encodeHeadAndLoss: (rec: Recorder) => void;
  private readonly encodeInferenceHead: (rec: Recorder) => void;
  private readonly encodeHeadLoss: (rec: Recorder) => void;

  constructor(
    private readonly gpu: Gpu,
    readonly net: RecurrentNetwork,
    T: number,
    B: number,
    readonly lossKind: LossKind,
    readonly headAt: HeadAt,
    withMask: boolean,
    extra: {
      /** Where to write the loss (float 0) and the accuracy (float 1); shared across plans so one optimizer can check it. Default: a buffer of this plan. */
      lossBuffer?: GPUBuffer;
      /** Batches come with per-row lengths (a 'last' head then reads each row's last step). */
      withLengths?: boolean;
    } = {},
  ) {
    const head = net.layout.head;
    // The top layer's output width: every direction's h.
    const H = directions(net.cfg) * outputWidth(net.cfg);
    // Without a head the model's outputs are the top layer's output.
    const O = head ? net.layout.outputSize : H;
    const N = headAt === 'all' ? T * B : B;
    this.N = N;
    const alloc = (floats: number, label: string): GPUBuffer => {
      const b = gpu.storage(floats, label);
      this.owned.push(b);
      return b;
    };
    this.recurrent = new RecurrentPlan(gpu, net.cfg, net.layout, net.params, net.grads, T, B, net.strategy, net.dropoutSeed, net.precision);
    const recurrent = this.recurrent;
    try {
      // The head's input rows — 'all': the top layer's output at every step; 'last': at step T−1, or
      // gathered per row (LastOutputs) where directions or lengths make the last step differ.
      const gathered = headAt === 'last' && (directions(net.cfg) > 1 || !!extra.withLengths);
      let last: LastOutputs | null = null;
      let h = recurrent.output.buffer;
      let hOffset = recurrent.output.offset + (headAt === 'all' ? 0 : (T - 1) * B * H);
      let dHiddenOut = { buffer: recurrent.dOutput!, offset: headAt === 'all' ? 0 : (T - 1) * B * H };
      if (gathered) {
        const rows = alloc(B * H, 'last outputs');
        const gradRows = alloc(B * H, 'last-output gradients');
        last = new LastOutputs(gpu, { B, D: directions(net.cfg), H: outputWidth(net.cfg), seq: recurrent.output.buffer, gradSeq: recurrent.dOutput!, rows, gradRows, lengths: recurrent.lengths });
        this.kernels.push(last);
        h = rows;
        hOffset = 0;
        dHiddenOut = { buffer: gradRows, offset: 0 };
      }
      this.predictionOffset = head ? 0 : hOffset;
      this.logits = head ? alloc(N * O, 'logits') : h;
      this.dlogits = head ? alloc(N * O, 'dlogits') : recurrent.dOutput!;
      this.target = alloc(lossKind === 'mse' ? N * O : N, 'target');
      this.mask = withMask ? alloc(lossKind === 'mse' ? N * O : N, 'mask') : null;
      this.loss = extra.lossBuffer ?? alloc(2, 'loss');
      const params = net.params;
      const grads = net.grads;
      const add = <K extends { dispose(): void }>(k: K): K => {
        this.kernels.push(k);
        return k;
      };
      if (head) {
        const forward = add(new GemmKernel(gpu, {
          M: N, N: O, K: H, aLayout: 'MK', bLayout: 'NK',
          a: { buffer: h, offset: hOffset }, b: { buffer: params, offset: head.weight.offset }, c: { buffer: this.logits }, bias: { buffer: params, offset: head.bias.offset },
        }));
        const lossBuffers = { pred: { buffer: this.logits }, dpred: this.dlogits, target: this.target, mask: this.mask ?? undefined, loss: { buffer: this.loss } };
        const loss = add(lossKind === 'mse' ? mseLossKernel(gpu, N * O, lossBuffers) : softmaxCrossEntropyKernel(gpu, N, O, lossBuffers));
        const dWeight = add(new GemmKernel(gpu, {
          M: O, N: H, K: N, aLayout: 'KM', bLayout: 'KN',
          a: { buffer: this.dlogits }, b: { buffer: h, offset: hOffset }, c: { buffer: grads, offset: head.weight.offset },
        }));
        const dBias = add(columnSumKernel(gpu, { R: N, N: O, A: this.dlogits, out: grads, offOut1: head.bias.offset, offOut2: head.bias.offset }));
        // dL/dh of the top layer: every step, or only the last (the rest of dOutput stays zero).
        const dHidden = add(new GemmKernel(gpu, {
          M: N, N: H, K: O, aLayout: 'MK', bLayout: 'KN',
          a: { buffer: this.dlogits }, b: { buffer: params, offset: head.weight.offset }, c: dHiddenOut,
        }));
        this.encodeInferenceHead = (rec) => {
          last?.recordGather(rec);
          forward.record(rec);
        };
        this.encodeHeadLoss = (rec) => {
          last?.recordGather(rec);
          forward.record(rec);
          loss.record(rec);
        };
        this.encodeHeadAndLoss = (rec) => {
          last?.recordGather(rec);
          forward.record(rec);
          loss.record(rec);
          dWeight.record(rec);
          dBias.record(rec);
          dHidden.record(rec);
          last?.recordScatter(rec);
        };
      } else {
        // No head: the loss compares the top layer's h directly and writes dL/dh into dOutput.
        if (lossKind !== 'mse') throw new Error('cross-entropy needs a head (outputSize > 0) to produce logits');
        const lossBuffers = { pred: { buffer: h, offset: hOffset }, dpred: recurrent.dOutput!, target: this.target, mask: this.mask ?? undefined, loss: { buffer: this.loss } };
        if (headAt === 'last') throw new Error("a network without a head trains on every step (headAt 'all')");
        const loss = add(mseLossKernel(gpu, N * O, lossBuffers));
        this.encodeInferenceHead = () => {};
        this.encodeHeadLoss = (rec) => loss.record(rec);
        this.encodeHeadAndLoss = (rec) => loss.record(rec);
      }
      const states = net.cfg.numLayers * directions(net.cfg) * B;
      gpu.write(recurrent.dOutput!, new Float32Array(T * B * H));
      gpu.write(recurrent.dhN!, new Float32Array(states * outputWidth(net.cfg)));
      if (recurrent.dcN) gpu.write(recurrent.dcN, new Float32Array(states * net.cfg.hiddenSize));
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Records the whole step: forward (dropout masks of call `dropoutCall`), loss, backward, then `update` (if given). */
  encode(rec: Recorder, update?: UpdateRecorder, dropoutCall = 0): void {
    this.recurrent.encodeForward(rec, dropoutCall);
    this.encodeHeadAndLoss(rec);
    this.recurrent.encodeBackward(rec, false);
    update?.record(rec);
  }

  /** Records the forward pass, the head and the loss: no gradients, no update (evaluation). */
  encodeEvaluation(rec: Recorder): void {
    this.recurrent.encodeForward(rec);
    this.encodeHeadLoss(rec);
  }

  /** Records the forward pass and the head only (inference: logits for every step or the last). */
  encodeInference(rec: Recorder): void {
    this.recurrent.encodeForward(rec);
    this.encodeInferenceHead(rec);
  }

  dispose(): void {
    for (const k of this.kernels) k.dispose();
    this.kernels.length = 0;
    for (const b of this.owned) this.gpu.pool.release(b);
    this.owned.length = 0;
    this.recurrent.dispose();
  }
}
