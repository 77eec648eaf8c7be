// The model, data and optimizer options shared by `gateflow train` and `gateflow flow`.
import { Command, Option } from 'commander';
import { dropoutValue, finiteNumber, nonNegativeNumber, positiveInt, positiveNumber, seedValue } from './options';
import { TASK_NAMES, getTask } from '../tasks/registry';
import type { Task } from '../tasks/task';
import type { ModelConfig } from '../train/session';
import type { GpuOptimizerOptions } from '../optim/options';
import type { Batch as TrainBatch } from '../train/batch';
import type { TaskBatch } from '../tasks/task';
import { CheckpointError } from '../checkpoint/checkpoint';
import { readCheckpointFile } from '../checkpoint/file';
import { describeArchitecture, loadWeights, type StateDict } from '../checkpoint/stateDict';

export interface ModelCliOptions {
  task: string;
  cell: 'lstm' | 'rnn' | 'gru';
  cellActivation: 'tanh' | 'sigmoid';
  layers: number;
  hidden: number;
  bidirectional?: boolean;
  dropout?: number;
  projSize?: number;
  seqLen?: number;
  batch: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  momentum: number;
  weightDecay: number;
  clip: number;
  clipValue?: number;
  forgetBias?: number;
  seed: number;
  initFrom?: string;
  prefix?: string;
  /** `train` only: 'f16' stores weights and gate tensors in half precision (RecurrentNetwork's option). */
  precision?: 'f32' | 'f16';
}

const TASK_ALIASES: Record<string, string> = { chars: 'char-lm' };

export function addModelOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--task <name>', 'task').choices([...TASK_NAMES, ...Object.keys(TASK_ALIASES)]).default('adding'))
    .addOption(new Option('--cell <kind>', 'recurrent cell').choices(['lstm', 'rnn', 'gru']).default('lstm'))
    .addOption(new Option('--cell-activation <fn>', "φ = ψ of the LSTM (sigmoid: the reference article's variant), or the RNN's nonlinearity").choices(['tanh', 'sigmoid']).default('tanh'))
    .option('--layers <n>', 'stacked recurrent layers', positiveInt, 1)
    .option('--hidden <n>', 'hidden size H', positiveInt, 64)
    .option('--bidirectional', 'two directions per layer (the head reads both)')
    .option('--proj-size <n>', 'LSTM projection: h = W_hr (o ⊙ ψ(c)) is n wide (n < --hidden)', positiveInt)
    .option('--dropout <p>', 'dropout between stacked layers in training, p in [0, 1)', dropoutValue, 0)
    .option('--seq-len <n>', 'sequence length T (default: the task\'s)', positiveInt)
    .option('--batch <n>', 'batch size B', positiveInt, 32)
    .option('--lr <x>', 'learning rate', positiveNumber, 0.01)
    .addOption(new Option('--optimizer <kind>', 'optimizer').choices(['adam', 'sgd']).default('adam'))
    .option('--momentum <x>', 'SGD momentum', nonNegativeNumber, 0.9)
    .option('--weight-decay <x>', 'L2 weight decay', nonNegativeNumber, 0)
    .option('--clip <x>', 'clip gradients by global L2 norm (0: off)', nonNegativeNumber, 1)
    .option('--clip-value <x>', 'clamp every gradient element to ±x', positiveNumber)
    .option('--forget-bias <x>', 'initial forget-gate bias (LSTM; default: PyTorch\'s uniform init)', finiteNumber)
    .option('--seed <n>', 'random seed (weights and data)', seedValue, 1)
    .option('--init-from <file>', 'start from the weights of a PyTorch state_dict of nn.LSTM / nn.GRU / nn.RNN (safetensors, any module prefix, with or without a Linear head) or of a gateflow checkpoint; the model\'s sizes come from it where not given')
    .option('--prefix <name>', 'the recurrent module inside --init-from (default: found from the names)');
}

/** The model options an --init-from file fixes, with their flags. */
const FROM_FILE = { cell: '--cell', hidden: '--hidden', layers: '--layers', bidirectional: '--bidirectional', projSize: '--proj-size' } as const;

/**
 * --init-from FILE: reads its weights (loadWeights) and takes the model's sizes from it where the
 * command line left them out (`given` says which options it set); those it gave, and the task's input
 * and output sizes, must agree with the file, or the error names each difference. A file without a
 * head leaves the task's head at its initialisation. Null without --init-from.
 */
export async function weightsFromFile(o: ModelCliOptions, task: Task, given: (option: string) => boolean): Promise<{ options: ModelCliOptions; weights: StateDict; line: string } | null> {
  if (!o.initFrom) return null;
  const source = o.initFrom;
  const weights = loadWeights(await readCheckpointFile(source), { source, ...(o.prefix !== undefined ? { prefix: o.prefix } : {}) });
  const a = weights.architecture;
  const fromFile = { cell: a.cell, hidden: a.hiddenSize, layers: a.numLayers, bidirectional: a.bidirectional, projSize: a.projSize || undefined };
  const differences = (Object.keys(FROM_FILE) as (keyof typeof FROM_FILE)[])
    .filter((k) => given(k) && (o[k] ?? false) !== (fromFile[k] ?? false))
    .map((k) => `${FROM_FILE[k]} ${String(o[k] ?? false)} but the file has ${String(fromFile[k] ?? false)}`);
  if (a.inputSize !== task.inputSize) differences.push(`its input size is ${a.inputSize} but task ${task.name} feeds ${task.inputSize}`);
  if (a.outputSize && a.outputSize !== task.outputSize) differences.push(`its head has ${a.outputSize} outputs but task ${task.name} needs ${task.outputSize}`);
  if (differences.length > 0) throw new CheckpointError(`--init-from ${source} (${describeArchitecture(a)}): ${differences.join('; ')}`);
  const options: ModelCliOptions = { ...o, cell: a.cell, hidden: a.hiddenSize, layers: a.numLayers, bidirectional: a.bidirectional, projSize: a.projSize || undefined };
  const head = a.outputSize ? 'its head' : `a new head (the file has none)`;
  return { options, weights, line: `weights from ${source}: ${describeArchitecture(a)}${weights.prefix ? ` (module "${weights.prefix.slice(0, -1)}")` : ''}; ${head}` };
}

export function resolveTask(name: string): Task {
  return getTask(TASK_ALIASES[name] ?? name);
}

export function modelConfig(task: Task, o: ModelCliOptions): ModelConfig {
  return {
    cell: o.cell,
    cellActivation: o.cellActivation,
    inputSize: task.inputSize,
    hiddenSize: o.hidden,
    numLayers: o.layers,
    ...(o.bidirectional ? { bidirectional: true } : {}),
    ...(o.dropout ? { dropout: o.dropout } : {}),
    ...(o.projSize ? { projSize: o.projSize } : {}),
    ...(o.precision === 'f16' ? { precision: 'f16' as const } : {}),
    outputSize: task.outputSize,
    headAt: task.lossAt,
    loss: task.loss,
  };
}

export function optimizerOptions(o: ModelCliOptions): GpuOptimizerOptions {
  const clip = { clipNorm: o.clip > 0 ? o.clip : undefined, clipValue: o.clipValue };
  return o.optimizer === 'adam'
    ? { kind: 'adam', lr: o.lr, weightDecay: o.weightDecay, ...clip }
    : { kind: 'sgd', lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay, ...clip };
}

/** A task's batch in the trainer's terms. */
export function trainBatch(b: TaskBatch): TrainBatch {
  return { x: b.inputs, T: b.T, B: b.B, target: b.targets, mask: b.mask, ...(b.lengths ? { lengths: b.lengths } : {}) };
}
