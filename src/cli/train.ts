// `gateflow train`: trains a model on a generated task on the GPU, with live progress.
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { Gpu } from '../gpu/runtime';
import { formatAdapter } from '../gpu/device';
import { Rng } from '../random';
import { TrainingSession } from '../train/session';
import type { StepReport } from '../train/trainer';
import { readCheckpointFile, writeCheckpointFile } from '../checkpoint/file';
import { addModelOptions, modelConfig, optimizerOptions, resolveTask, trainBatch, type ModelCliOptions } from './modelOptions';
import { nonNegativeInt, positiveInt } from './options';

export interface TrainCliOptions extends ModelCliOptions {
  steps: number;
  logEvery: number;
  save?: string;
  resume?: string;
  json?: boolean;
  onNonFinite: 'stop' | 'skip';
}

export interface TrainSummary {
  steps: number;
  finalLoss: number;
  baseline: number;
  seconds: number;
  adapter: string;
  stepsPerSecond: number;
  skippedSteps: number;
  interrupted: boolean;
  checkpoint: string | null;
}

/** The final loss averages the logged losses of the last 10% of steps (batch losses are noisy). */
const FINAL_LOSS_FRACTION = 0.1;

export async function runTraining(o: TrainCliOptions, out: { log: (s: string) => void; shouldStop: () => boolean }): Promise<TrainSummary> {
  const task = resolveTask(o.task);
  const T = o.seqLen ?? task.defaultSteps;
  const config = modelConfig(task, o);
  const rng = new Rng(o.seed ^ 0x9e3779b9); // data stream, independent of the weight init stream
  const gpu = await Gpu.create();
  const session = new TrainingSession(gpu, config, optimizerOptions(o), { seed: o.seed, forgetBias: o.forgetBias });
  try {
    if (o.resume) session.restore(await readCheckpointFile(o.resume), o.resume);
    const adapter = formatAdapter(gpu.info);
    const bar = o.json ? null : new cliProgress.SingleBar({
      format: `${task.name} ${config.cell.toUpperCase()} |{bar}| {value}/{total} | loss {loss} (baseline ${task.baseline.toFixed(4)}) | grad norm {gnorm} | {sps} steps/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
    }, cliProgress.Presets.shades_classic);
    if (!o.json) out.log(`gateflow: ${adapter}; ${task.description}; baseline loss ${task.baseline.toFixed(4)} (${task.baselineDerivation})`);
    bar?.start(o.steps, 0, { loss: '-', gnorm: '-', sps: '-' });
    const losses: { step: number; loss: number }[] = [];
    const t0 = performance.now();
    let pending: Promise<StepReport>[] = [];
    let done = 0;
    let skipped = 0;
    let interrupted = false;
    const handle = (r: StepReport) => {
      const seconds = (performance.now() - t0) / 1000;
      if (r.skipped > skipped) {
        skipped = r.skipped;
        const msg = `step ${r.call}: ${r.skipped} step(s) skipped so far (last loss ${r.loss}, grad norm ${r.gradNorm}); weights were left as they were`;
        if (o.onNonFinite === 'stop') throw new Error(`${msg}. Stopping (use --on-non-finite skip to continue).`);
        if (!o.json) out.log(`warning: ${msg}`);
      }
      losses.push({ step: r.call, loss: r.loss });
      const sps = r.call / seconds;
      if (o.json) out.log(JSON.stringify({ step: r.call, loss: r.loss, gradNorm: r.gradNorm, clipCoef: r.clipCoef, applied: r.applied, stepsPerSecond: sps }));
      bar?.update(r.call, { loss: r.loss.toFixed(4), gnorm: r.gradNorm.toPrecision(3), sps: sps.toFixed(1) });
    };
    for (let s = 1; s <= o.steps; s++) {
      if (out.shouldStop()) {
        interrupted = true;
        break;
      }
      const report = s % o.logEvery === 0 || s === o.steps;
      const p = session.step(trainBatch(task.batch(rng, T, o.batch)), { report });
      if (p) pending.push(p);
      // At most two reports in flight: the GPU runs ahead by up to 2·logEvery steps, never further.
      if (pending.length > 1) handle(await pending.shift()!);
      done = s;
    }
    for (const p of pending) handle(await p);
    pending = [];
    bar?.stop();
    const seconds = (performance.now() - t0) / 1000;
    let checkpoint: string | null = null;
    const savePath = o.save ?? (interrupted ? 'gateflow-interrupted.safetensors' : undefined);
    if (savePath) {
      await writeCheckpointFile(savePath, await session.checkpoint({ task: task.name, seqLen: T }));
      checkpoint = savePath;
    }
    const from = done * (1 - FINAL_LOSS_FRACTION);
    const window = losses.filter((l) => l.step > from);
    const finalLoss = window.length > 0 ? window.reduce((a, b) => a + b.loss, 0) / window.length : Number.NaN;
    return { steps: done, finalLoss, baseline: task.baseline, seconds, adapter, stepsPerSecond: done / seconds, skippedSteps: skipped, interrupted, checkpoint };
  } finally {
    session.dispose();
    gpu.destroy();
  }
}

export function trainCommand(): Command {
  const cmd = new Command('train').description('train an LSTM (or RNN) on a generated task on the GPU, with live progress');
  addModelOptions(cmd)
    .option('--steps <n>', 'training steps', positiveInt, 1000)
    .option('--log-every <n>', 'read the loss back every n steps (the GPU never waits for it)', positiveInt, 10)
    .option('--save <file>', 'write a checkpoint (safetensors) at the end, or on Ctrl-C')
    .option('--resume <file>', 'start from a checkpoint (weights and optimizer state)')
    .option('--json', 'one JSON object per logged step, then a summary, instead of the progress bar')
    .addOption(new Option('--on-non-finite <what>', 'when a step is skipped for a non-finite loss or gradient').choices(['stop', 'skip']).default('stop'))
    .action(async (o: TrainCliOptions) => {
      let stop = false;
      const onSigint = () => {
        if (stop) process.exit(130);
        stop = true;
        if (!o.json) console.error('\ninterrupted: finishing the current step and saving a checkpoint (Ctrl-C again to quit now)');
      };
      process.on('SIGINT', onSigint);
      try {
        const summary = await runTraining(o, { log: (s) => console.log(s), shouldStop: () => stop });
        if (o.json) {
          console.log(JSON.stringify(summary));
        } else {
          const ratio = summary.finalLoss / summary.baseline;
          console.log(`done: ${summary.steps} steps in ${summary.seconds.toFixed(1)} s (${summary.stepsPerSecond.toFixed(1)} steps/s); final loss ${summary.finalLoss.toFixed(5)} vs baseline ${summary.baseline.toFixed(5)} (${(ratio * 100).toFixed(1)}% of it)`);
          if (summary.checkpoint) console.log(`checkpoint: ${summary.checkpoint}`);
        }
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
  return cmd;
}
