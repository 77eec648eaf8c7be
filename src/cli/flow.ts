// `gateflow flow`: the gradient-flow experiment, written as JSON, CSV and an SVG chart.
import type { CellKind } from '../config';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { Gpu } from '../gpu/runtime';
import { formatAdapter } from '../gpu/device';
import { runFlowExperiment, type FlowExperimentResult } from '../diagnostics/experiment';
import type { FlowResult } from '../diagnostics/gradientFlow';
import { flowChartSvg, type NormSeries } from './flowChart';
import { readCheckpointFile } from '../checkpoint/file';
import { addModelOptions, modelConfig, optimizerOptions, resolveTask, weightsFromFile, type ModelCliOptions } from './modelOptions';
import { nonNegativeInt } from './options';

interface FlowCliOptions extends ModelCliOptions {
  trainSteps: number;
  lossAt: 'last' | 'all';
  out: string;
  compare: boolean;
  resume?: string;
  json?: boolean;
}

/** The per-step norm that shows the path: the cell state's for an LSTM, the hidden state's for an RNN. */
const pathNorms = (r: FlowResult, layer = 0) => r.layers[layer].cellGradNorms ?? r.layers[layer].hiddenGradNorms;

/**
 * The `--json` shape: {"cell", "seqLen", "directions", "layers": [{layer, direction, cellGradNorms,
 * hiddenGradNorms, forgetProduct, forgetMean, ...}]} (one entry per layer and direction).
 */
export function flowJson(r: FlowResult): object {
  return {
    cell: r.cell,
    seqLen: r.seqLen,
    lossAt: r.lossAt,
    loss: r.loss,
    directions: r.directions,
    layers: r.layers.map((l, k) => ({
      layer: Math.floor(k / r.directions),
      direction: k % r.directions === 0 ? 'forward' : 'reverse',
      ...(l.cellGradNorms ? { cellGradNorms: l.cellGradNorms } : {}),
      hiddenGradNorms: l.hiddenGradNorms,
      ...(l.forgetProduct ? { forgetProduct: l.forgetProduct, forgetMean: l.forgetMean, directPath: l.directPath } : {}),
      ...(l.jacobianNorm ? { jacobianNorm: l.jacobianNorm } : {}),
    })),
  };
}

function csv(runs: { name: string; result: FlowResult }[]): string {
  const rows = ['run,layer,direction,k,cellGradNorm,hiddenGradNorm,forgetMean,forgetProduct,directPath,jacobianNorm'];
  for (const { name, result } of runs) {
    result.layers.forEach((l, index) => {
      const layer = Math.floor(index / result.directions);
      const direction = index % result.directions === 0 ? 'forward' : 'reverse';
      for (let k = 0; k < result.seqLen; k++) {
        const v = (a?: number[]) => (a ? String(a[k]) : '');
        rows.push([name, layer, direction, k, v(l.cellGradNorms), v(l.hiddenGradNorms), v(l.forgetMean), v(l.forgetProduct), v(l.directPath), v(l.jacobianNorm)].join(','));
      }
    });
  }
  return rows.join('\n') + '\n';
}

export function flowCommand(): Command {
  const cmd = new Command('flow').description('measure how gradients flow back through time (LSTM vs RNN), before and after training');
  addModelOptions(cmd)
    .option('--train-steps <n>', 'training steps between the two measurements (0: at initialisation only)', nonNegativeInt, 200)
    .addOption(new Option('--loss-at <where>', "the loss of the last step only (the article's L_t) or of every step").choices(['last', 'all']).default('last'))
    .option('--out <dir>', 'where to write flow.json, flow.csv and flow.svg', 'flow-out')
    .option('--no-compare', 'skip the comparison runs (the other cell, and training without clipping)')
    .option('--resume <file>', 'start from a checkpoint of `gateflow train` instead of the initialisation')
    .option('--json', 'print the measured flow of the chosen cell as JSON on stdout (after training, or at init with --train-steps 0)')
    .action(async (given: FlowCliOptions, command: Command) => {
      const task = resolveTask(given.task);
      const init = await weightsFromFile(given, task, (k) => command.getOptionValueSource(k) === 'cli');
      const o: FlowCliOptions = { ...given, ...init?.options };
      if (o.resume && init) throw new RangeError('--resume and --init-from both give the starting weights: give one of them');
      const seqLen = o.seqLen ?? task.defaultSteps;
      const gpu = await Gpu.create();
      try {
        const resume = o.resume ? await readCheckpointFile(o.resume) : undefined;
        const base = { task, seqLen, batch: o.batch, seed: o.seed, trainSteps: o.trainSteps, lossAt: o.lossAt };
        const other = o.cell === 'lstm' ? 'rnn' : 'lstm';
        const plan: { name: string; cell: CellKind; clip: boolean }[] = [{ name: o.cell, cell: o.cell, clip: true }];
        if (o.compare) plan.push({ name: other, cell: other, clip: true }, { name: `${o.cell} without clipping`, cell: o.cell, clip: false });
        const log = (s: string) => (o.json ? console.error(s) : console.log(s));
        log(`gateflow flow: ${formatAdapter(gpu.info)}; task ${task.name}, T=${seqLen}, loss at ${o.lossAt}, ${o.trainSteps} training steps per run`);
        if (init) log(init.line);
        const results: Record<string, FlowExperimentResult> = {};
        for (const run of plan) {
          const cli = { ...o, cell: run.cell, clip: run.clip ? o.clip : 0 };
          const bar = o.json || o.trainSteps === 0 ? null : new cliProgress.SingleBar({ format: `${run.name.padEnd(22)} |{bar}| {value}/{total} | loss {loss} | grad norm {gnorm}` }, cliProgress.Presets.shades_classic);
          bar?.start(o.trainSteps, 0, { loss: '-', gnorm: '-' });
          results[run.name] = await runFlowExperiment(gpu, {
            ...base,
            config: modelConfig(task, cli),
            optimizer: optimizerOptions(cli),
            forgetBias: run.cell === 'lstm' ? o.forgetBias : undefined,
            resume: run.name === o.cell ? resume : undefined,
            // The given weights start both runs of the chosen cell (clipped and not); the comparison cell starts from its init.
            initialWeights: run.cell === o.cell ? init?.weights : undefined,
          }, (r) => bar?.update(r.call, { loss: r.loss.toFixed(4), gnorm: r.gradNorm.toPrecision(3) }));
          bar?.stop();
        }
        const main = results[o.cell];
        const final = main.after ?? main.before;
        mkdirSync(o.out, { recursive: true });
        const measured = Object.entries(results).flatMap(([name, r]) => [
          { name: `${name} at init`, result: r.before },
          ...(r.after ? [{ name: `${name} after ${o.trainSteps} steps`, result: r.after }] : []),
        ]).filter((m) => !m.name.includes('without clipping'));
        writeFileSync(join(o.out, 'flow.json'), JSON.stringify({
          task: task.name, seqLen, lossAt: o.lossAt, trainSteps: o.trainSteps, adapter: gpu.info,
          runs: Object.fromEntries(Object.entries(results).map(([name, r]) => [name, { before: flowJson(r.before), after: r.after ? flowJson(r.after) : null, steps: r.steps }])),
        }, null, 1));
        writeFileSync(join(o.out, 'flow.csv'), csv(measured));
        const perStep: NormSeries[] = measured.map((m) => ({
          label: `${m.name.replace(/^(lstm|rnn)/, (c) => c.toUpperCase())} ${m.result.cell === 'lstm' ? '‖∂L/∂s_k‖' : '‖∂L/∂h_k‖'}`,
          values: pathNorms(m.result),
        }));
        const overTraining: NormSeries[] = Object.entries(results)
          .filter(([name]) => name.startsWith(o.cell))
          .map(([name, r]) => ({ label: name.includes('without') ? `${o.cell.toUpperCase()} without clipping` : `${o.cell.toUpperCase()} clipped at ${o.clip}`, values: r.steps.map((s) => s.gradNorm) }));
        const title = `${task.name}, T=${seqLen}, H=${o.hidden}, B=${o.batch}, forget bias ${o.forgetBias ?? 'PyTorch init'}, seed ${o.seed}`;
        writeFileSync(join(o.out, 'flow.svg'), await flowChartSvg(perStep, overTraining, title));
        for (const m of measured) {
          const n = pathNorms(m.result);
          log(`${m.name.padEnd(30)} ‖grad at k=0‖ / ‖grad at k=${seqLen - 1}‖ = ${(n[0] / n[n.length - 1]).toExponential(3)}`);
        }
        log(`wrote ${join(o.out, 'flow.json')}, flow.csv, flow.svg`);
        if (o.json) console.log(JSON.stringify(flowJson(final)));
      } finally {
        gpu.destroy();
      }
    });
  return cmd;
}
