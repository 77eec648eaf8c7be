// `gateflow shaders --out DIR`: every WGSL module the library compiles for an adapter class and a
// model shape, written as flat files (exactly the source handed to createShaderModule), with the
// pipelines (module and override constants) in pipelines.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { Gpu, type AdapterClass } from '../gpu/runtime';
import type { PipelineEntry } from '../gpu/pipelineCache';
import { TrainingSession } from '../train/session';
import { gradientFlow } from '../diagnostics/gradientFlow';
import { Rng } from '../random';
import { addModelOptions, modelConfig, optimizerOptions, resolveTask, trainBatch, type ModelCliOptions } from './modelOptions';

interface ShadersCliOptions extends ModelCliOptions {
  out: string;
  adapter: AdapterClass | 'device';
  strategy: 'auto' | 'per-step' | 'persistent';
}

/** One written module and the pipelines made from it. */
export interface ShaderManifestEntry {
  file: string;
  kernel: string;
  hash: string;
  pipelines: { label: string; constants: Record<string, number> }[];
}

/**
 * The pipelines a training step and a gradient-flow measurement of this model use on `gpu` (a
 * training step runs once, on the task's data; under precision 'f16', the training step's only).
 */
export function modulesForModel(gpu: Gpu, o: ShadersCliOptions): Promise<PipelineEntry[]> {
  const task = resolveTask(o.task);
  const T = o.seqLen ?? task.defaultSteps;
  return gpu.pipelines.collect(async () => {
    const session = new TrainingSession(gpu, { ...modelConfig(task, o), strategy: o.strategy }, optimizerOptions(o), { seed: o.seed, forgetBias: o.forgetBias });
    try {
      const batch = trainBatch(task.batch(new Rng(o.seed), T, o.batch));
      await session.step(batch, { report: true });
      // The gradient-flow diagnostics measure f32 networks only.
      if (session.net.precision === 'f32') await gradientFlow(gpu, session.net, batch, { loss: task.loss, lossAt: task.lossAt });
    } finally {
      session.dispose();
    }
  });
}

/** Writes one file per module (named after its kernel; a hash is added where two modules share a name) and pipelines.json. */
export function writeModules(entries: PipelineEntry[], dir: string): ShaderManifestEntry[] {
  mkdirSync(dir, { recursive: true });
  const byHash = new Map<string, ShaderManifestEntry>();
  const names = new Set<string>();
  for (const { kernel, constants, pipeline } of entries) {
    let entry = byHash.get(kernel.hash);
    if (!entry) {
      const file = names.has(kernel.name) ? `${kernel.name}.${kernel.hash.slice(0, 8)}.wgsl` : `${kernel.name}.wgsl`;
      names.add(kernel.name);
      writeFileSync(join(dir, file), kernel.source);
      entry = { file, kernel: kernel.name, hash: kernel.hash, pipelines: [] };
      byHash.set(kernel.hash, entry);
    }
    entry.pipelines.push({ label: pipeline.label, constants: { ...constants } });
  }
  const manifest = [...byHash.values()];
  writeFileSync(join(dir, 'pipelines.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

export function shadersCommand(): Command {
  const cmd = new Command('shaders').description('write every WGSL module the library compiles for an adapter class and a model shape, as flat .wgsl files');
  addModelOptions(cmd)
    .requiredOption('--out <dir>', 'directory for the .wgsl files and pipelines.json')
    .addOption(new Option('--adapter <class>', "adapter class: 'gpu', 'cpu' (lavapipe-like), or this device as it is").choices(['gpu', 'cpu', 'device']).default('gpu'))
    .addOption(new Option('--strategy <name>', 'recurrence scheduling').choices(['auto', 'per-step', 'persistent']).default('auto'))
    .addOption(new Option('--precision <p>', "f16: the modules of half-precision storage (no gradient-flow modules: those measure f32 networks)").choices(['f32', 'f16']).default('f32'))
    .action(async (o: ShadersCliOptions) => {
      const device = await Gpu.create();
      try {
        const gpu = o.adapter === 'device' ? device : device.as(o.adapter);
        const manifest = writeModules(await modulesForModel(gpu, o), o.out);
        const pipelines = manifest.reduce((n, m) => n + m.pipelines.length, 0);
        console.log(`gateflow shaders: ${manifest.length} modules, ${pipelines} pipelines (${o.adapter}) written to ${o.out}`);
      } finally {
        device.destroy();
      }
    });
  return cmd;
}
