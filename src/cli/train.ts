// `gateflow train`: trains a model on a generated task on the GPU, with live progress.
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { formatAdapter } from '../gpu/device';
import { ResilientTrainer, stepRng } from '../train/resilient';
import type { CharLmTask } from '../tasks/charLm';
import { checkPlanLimits } from '../scheduler/recurrentPlan';
import { workSplit } from '../kernels/rowSharing';
import { SkippedStepError, type StepReport } from '../train/trainer';
import { readCheckpointFile, writeCheckpointFile } from '../checkpoint/file';
import { addModelOptions, modelConfig, optimizerOptions, resolveTask, trainBatch, weightsFromFile, type ModelCliOptions } from './modelOptions';
import type { StateDict } from '../checkpoint/stateDict';
import { nonNegativeInt, positiveInt, positiveNumber } from './options';

export interface TrainCliOptions extends ModelCliOptions {
  steps: number;
  logEvery: number;
  save?: string;
  resume?: string;
  json?: boolean;
  onNonFinite: 'stop' | 'skip';
  maxGradNorm?: number;
  snapshotEvery: number;
  checkpointEvery?: number;
  /** Testing hook (hidden option): destroy the device once, just before step n+1 is submitted. */
  simulateDeviceLoss?: number;
}

export interface TrainSummary {
  /** Steps run by this invocation (a resumed run counts from its checkpoint). */
  steps: number;
  /** Steps of the whole run, resumed checkpoints included. */
  totalSteps: number;
  finalLoss: number;
  baseline: number;
  seconds: number;
  adapter: string;
  stepsPerSecond: number;
  skippedSteps: number;
  /** Device losses recovered from (each replays the steps since the last in-memory snapshot). */
  deviceLosses: number;
  interrupted: boolean;
  checkpoint: string | null;
}

/** The final loss averages the logged losses of the last 10% of steps (batch losses are noisy). */
const FINAL_LOSS_FRACTION = 0.1;

export async function runTraining(o: TrainCliOptions, out: { log: (s: string) => void; shouldStop: () => boolean }, initial: StateDict | null = null): Promise<TrainSummary> {
  const task = resolveTask(o.task);
  const T = o.seqLen ?? task.defaultSteps;
  const config = modelConfig(task, o);
  if (o.checkpointEvery !== undefined && !o.save) throw new InvalidArgumentError('--checkpoint-every needs --save <file> to write to');
  // The data: batch i comes from its own seeded stream, so a run resumed at step k (from a checkpoint,
  // or from a snapshot after a lost device) sees exactly the batches the uninterrupted run would have.
  const dataSeed = o.seed ^ 0x9e3779b9;
  const carry = 'chunk' in task ? (task as CharLmTask) : null;
  let loseDeviceAt = o.simulateDeviceLoss;
  const losses: { step: number; loss: number }[] = [];
  let lastCall = 0;
  const rt = await ResilientTrainer.create({
    config,
    optimizer: { ...optimizerOptions(o), maxGradNorm: o.maxGradNorm },
    init: { seed: o.seed, forgetBias: o.forgetBias },
    batchAt: (index) => {
      if (index === loseDeviceAt) {
        loseDeviceAt = undefined;
        rt.gpu.device.destroy();
      }
      // The character model reads its text on in consecutive chunks, carrying states between them.
      return trainBatch(carry ? carry.chunk(index, T, o.batch) : task.batch(stepRng(dataSeed, index), T, o.batch));
    },
    carryState: carry !== null,
    snapshotEvery: o.checkpointEvery ?? o.snapshotEvery,
    checkpointConfig: { task: task.name, seqLen: T },
    onSnapshot: o.checkpointEvery !== undefined ? ({ bytes }) => writeCheckpointFile(o.save!, bytes) : undefined,
    onEvent: (e) => {
      if (e.type === 'device-lost') out.log(`${o.json ? '' : 'warning: '}${o.json ? JSON.stringify({ event: 'device-lost', step: e.step, message: e.error.message }) : e.error.message}`);
      if (e.type === 'recovered') {
        const line = `recovered on a new device (${e.adapter}) from the snapshot at step ${e.fromStep}; replaying steps ${e.fromStep + 1}–${e.lostAtStep}`;
        out.log(o.json ? JSON.stringify({ event: 'recovered', fromStep: e.fromStep, lostAtStep: e.lostAtStep }) : line);
        // Reports after the snapshot will come again.
        while (losses.length > 0 && losses[losses.length - 1].step > e.fromStep) losses.pop();
        lastCall = Math.min(lastCall, e.fromStep);
      }
    },
  });
  try {
    // Sizes the device cannot hold fail here, naming the options, before any batch is generated.
    try {
      checkPlanLimits(rt.gpu.limits, config, T, o.batch, workSplit(rt.gpu));
    } catch (err) {
      throw new RangeError(`--seq-len ${T} with --batch ${o.batch} and --hidden ${o.hidden}: ${(err as Error).message}`);
    }
    if (o.resume && initial) throw new RangeError('--resume continues a run (weights and optimizer state); --init-from starts one from given weights: give one of them');
    if (o.resume) rt.restore(await readCheckpointFile(o.resume), o.resume);
    if (initial) {
      await rt.session.restoreWeights(initial, { source: o.initFrom });
      // A lost device must come back to these weights, not to the random ones of the step-0 snapshot.
      await rt.takeSnapshot();
    }
    const startStep = rt.step;
    lastCall = startStep;
    const adapter = formatAdapter(rt.gpu.info);
    const bar = o.json ? null : new cliProgress.SingleBar({
      format: `${task.name} ${config.cell.toUpperCase()} |{bar}| {value}/{total} | loss {loss} (baseline ${task.baseline.toFixed(4)}) | grad norm {gnorm} | {sps} steps/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
    }, cliProgress.Presets.shades_classic);
    if (!o.json) out.log(`gateflow: ${adapter}; ${task.description}; baseline loss ${task.baseline.toFixed(4)} (${task.baselineDerivation})`);
    bar?.start(o.steps, 0, { loss: '-', gnorm: '-', sps: '-' });
    const t0 = performance.now();
    let skipped = 0;
    const handle = (r: StepReport) => {
      const seconds = (performance.now() - t0) / 1000;
      if (r.skipped > skipped) {
        const n = r.skipped - skipped;
        skipped = r.skipped;
        const named = !r.applied ? new SkippedStepError(r, o.maxGradNorm).message : null;
        const others = n - (named ? 1 : 0);
        const between = others > 0
          ? `${others} step(s) between step ${lastCall} and step ${r.call} were skipped (non-finite loss or gradient${o.maxGradNorm !== undefined ? ', or gradient norm over --max-grad-norm' : ''}; --log-every 1 names each)`
          : '';
        const msg = [named, between].filter((m) => m).join('; ');
        if (o.onNonFinite === 'stop') throw new Error(`${msg}. Stopping (use --on-non-finite skip to continue).`);
        if (!o.json) out.log(`warning: ${msg}; the weights were left as they were`);
      }
      lastCall = r.call;
      losses.push({ step: r.call, loss: r.loss });
      const sps = (r.call - startStep) / seconds;
      if (o.json) out.log(JSON.stringify({ step: r.call, loss: r.loss, gradNorm: r.gradNorm, clipCoef: r.clipCoef, applied: r.applied, stepsPerSecond: sps }));
      bar?.update(r.call - startStep, { loss: r.loss.toFixed(4), gnorm: r.gradNorm.toPrecision(3), sps: sps.toFixed(1) });
    };
    const result = await rt.train(o.steps, { reportEvery: o.logEvery, onReport: handle, shouldStop: out.shouldStop });
    bar?.stop();
    const seconds = (performance.now() - t0) / 1000;
    const done = result.step - startStep;
    let checkpoint: string | null = null;
    const savePath = o.save ?? (result.interrupted ? 'gateflow-interrupted.safetensors' : undefined);
    if (savePath) {
      await writeCheckpointFile(savePath, await rt.checkpoint());
      checkpoint = savePath;
    }
    const from = startStep + done * (1 - FINAL_LOSS_FRACTION);
    const window = losses.filter((l) => l.step > from);
    const finalLoss = window.length > 0 ? window.reduce((a, b) => a + b.loss, 0) / window.length : Number.NaN;
    return {
      steps: done, totalSteps: result.step, finalLoss, baseline: task.baseline, seconds, adapter, stepsPerSecond: done / seconds,
      skippedSteps: skipped, deviceLosses: rt.recoveries, interrupted: result.interrupted, checkpoint,
    };
  } finally {
    rt.dispose();
  }
}

export function trainCommand(): Command {
  const cmd = new Command('train').description('train an LSTM (or RNN) on a generated task on the GPU, with live progress');
  addModelOptions(cmd)
    .option('--steps <n>', 'training steps', positiveInt, 1000)
    .addOption(new Option('--precision <p>', "f16: weights and gate tensors stored in half precision, f32 arithmetic (needs the adapter feature shader-f16)").choices(['f32', 'f16']).default('f32'))
    .option('--log-every <n>', 'read the loss back every n steps (the GPU never waits for it)', positiveInt, 10)
    .option('--save <file>', 'write a checkpoint (safetensors) at the end, or on Ctrl-C')
    .option('--resume <file>', 'start from a checkpoint (weights and optimizer state)')
    .option('--json', 'one JSON object per logged step, then a summary, instead of the progress bar')
    .addOption(new Option('--on-non-finite <what>', 'when a step is skipped (non-finite loss or gradient, or over --max-grad-norm)').choices(['stop', 'skip']).default('stop'))
    .option('--max-grad-norm <x>', 'skip the update of any step whose gradient norm (before clipping) is over x; weights stay bit-for-bit unchanged', positiveNumber)
    .option('--snapshot-every <n>', 'keep the weights and optimizer state in memory every n steps; a lost GPU device resumes from there', positiveInt, 100)
    .option('--checkpoint-every <n>', 'also write the --save file every n steps (crash-safe: a temp file renamed over the old one)', positiveInt)
    .addOption(new Option('--simulate-device-loss <step>', 'testing: destroy the GPU device once after this many steps').argParser(nonNegativeInt).hideHelp())
    .action(async (given: TrainCliOptions, command: Command) => {
      const init = await weightsFromFile(given, resolveTask(given.task), (k) => command.getOptionValueSource(k) === 'cli');
      const o: TrainCliOptions = { ...given, ...init?.options };
      if (init && !o.json) console.log(init.line);
      let stop = false;
      const onSigint = () => {
        if (stop) process.exit(130);
        stop = true;
        if (!o.json) console.error('\ninterrupted: finishing the current step and saving a checkpoint (Ctrl-C again to quit now)');
      };
      process.on('SIGINT', onSigint);
      try {
        const summary = await runTraining(o, { log: (s) => console.log(s), shouldStop: () => stop }, init?.weights ?? null);
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
