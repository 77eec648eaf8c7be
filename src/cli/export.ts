// `gateflow export`: a model's weights out of gateflow, as a PyTorch state_dict (safetensors) or an
// ONNX model, from a gateflow checkpoint (--from) or a PyTorch state_dict (--init-from). No GPU.
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { loadCheckpoint } from '../checkpoint/checkpoint';
import { readCheckpointFile } from '../checkpoint/file';
import { exportOnnx } from '../checkpoint/onnx';
import { describeArchitecture, flatWeightsOf, loadWeights, saveWeights, torchModuleSource, type StateDict } from '../checkpoint/stateDict';
import type { CellActivation } from '../config';
import type { HeadAt } from '../scheduler/trainPlan';

export interface ExportCliOptions {
  format: 'torch' | 'onnx';
  out: string;
  from?: string;
  initFrom?: string;
  prefix?: string;
  headAt?: HeadAt;
}

/** Where the head reads and the cell activation: a gateflow checkpoint records them; a PyTorch file does not. */
function modelSettings(bytes: Uint8Array, o: ExportCliOptions, source: string): { headAt: HeadAt; cellActivation: CellActivation } {
  if (!o.from) return { headAt: o.headAt ?? 'all', cellActivation: 'tanh' };
  const model = (loadCheckpoint(bytes, { source }).config as { model?: { headAt?: HeadAt; cellActivation?: CellActivation } }).model ?? {};
  if (o.headAt && model.headAt && o.headAt !== model.headAt) throw new RangeError(`--head-at ${o.headAt}, but ${source} was trained with its head at '${model.headAt}'`);
  return { headAt: o.headAt ?? model.headAt ?? 'all', cellActivation: model.cellActivation ?? 'tanh' };
}

/** Runs the export; returns the lines to print. */
export async function runExport(o: ExportCliOptions): Promise<string[]> {
  const source = o.from ?? o.initFrom;
  if (!source || (o.from && o.initFrom)) throw new RangeError('give the weights to export: --from CHECKPOINT (gateflow) or --init-from FILE (a PyTorch state_dict), one of them');
  if (o.from && o.prefix !== undefined) throw new RangeError('--prefix names the module inside a PyTorch file (--init-from); a gateflow checkpoint (--from) has none');
  const bytes = await readCheckpointFile(source);
  const sd: StateDict = loadWeights(bytes, { source, ...(o.prefix !== undefined ? { prefix: o.prefix } : {}) });
  const settings = modelSettings(bytes, o, source);
  const lines = [`${source}: ${describeArchitecture(sd.architecture)}${sd.prefix ? ` (module "${sd.prefix.slice(0, -1)}")` : ''}`];
  if (o.format === 'torch') {
    writeFileSync(o.out, saveWeights(sd.architecture, flatWeightsOf(sd)));
    lines.push(`wrote ${o.out}: a state_dict that load_state_dict(strict=True) accepts on this PyTorch module:`, '', torchModuleSource(sd.architecture).replace('weights.safetensors', o.out));
  } else {
    writeFileSync(o.out, await exportOnnx(sd, settings));
    const y = settings.headAt === 'last' ? '[B, O]' : '[T, B, O]';
    lines.push(`wrote ${o.out}: ONNX (opset 14) with inputs x [T, B, ${sd.architecture.inputSize}] float32 and sequence_lens [B] int32, output y ${sd.architecture.outputSize ? y : y.replace('O', 'features')} (head at '${settings.headAt}')`);
  }
  return lines;
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write a model\'s weights as a PyTorch state_dict (safetensors) or an ONNX model')
    .addOption(new Option('--format <kind>', 'torch: safetensors for load_state_dict; onnx: the ONNX LSTM/GRU/RNN operators and the head').choices(['torch', 'onnx']).makeOptionMandatory())
    .requiredOption('--out <file>', 'the file to write')
    .option('--from <checkpoint>', 'a gateflow checkpoint (gateflow train --save)')
    .option('--init-from <file>', 'a PyTorch state_dict of nn.LSTM / nn.GRU / nn.RNN in safetensors (with or without a Linear head)')
    .option('--prefix <name>', 'the recurrent module inside --init-from (default: found from the names)')
    .addOption(new Option('--head-at <where>', "ONNX: the head reads every step ('all', default for a PyTorch file) or each row's last (a checkpoint records its own)").choices(['all', 'last']))
    .action(async (o: ExportCliOptions) => {
      for (const line of await runExport(o)) console.log(line);
    });
}
