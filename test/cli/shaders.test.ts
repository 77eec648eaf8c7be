import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modulesForModel, writeModules, type ShaderManifestEntry } from '../../src/cli/shaders';
import { gpuForTests } from '../helpers/gpu';
import { LONG } from '../helpers/long';

const gpu = await gpuForTests();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const model = {
  task: 'adding', cell: 'lstm' as const, cellActivation: 'tanh' as const, layers: 2, hidden: 32, seqLen: 16, batch: 8,
  lr: 0.01, optimizer: 'adam' as const, momentum: 0, weightDecay: 0, clip: 1, seed: 3, out: '', strategy: 'per-step' as const,
};

describe.skipIf(!gpu)('gateflow shaders: the WGSL that runs, as files', () => {
  // f16 (its modules recompiled from disk: ~10 s on lavapipe) in the long run; test/gpu/precision.test.ts runs them by default.
  const runs: (readonly ['gpu' | 'cpu', 'f32' | 'f16'])[] = [['gpu', 'f32'], ['cpu', 'f32'], ...(LONG ? [['gpu', 'f16'] as const] : [])];
  it.each(runs.filter(([, p]) => p === 'f32' || gpu?.device.features.has('shader-f16')))('%s %s: writes every module a training step (and a flow measurement: f32) compile, and each file compiles again from disk', async (adapter, precision) => {
    const dir = mkdtempSync(join(tmpdir(), `gateflow-shaders-${adapter}-`));
    dirs.push(dir);
    const view = gpu!.as(adapter);
    const manifest = writeModules(await modulesForModel(view, { ...model, adapter, precision }), dir);
    const files = readdirSync(dir).filter((f) => f.endsWith('.wgsl'));
    expect(files.sort()).toEqual(manifest.map((m) => m.file).sort());
    expect(JSON.parse(readFileSync(join(dir, 'pipelines.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(manifest)));
    const kernels = manifest.map((m) => m.kernel.split('.')[0]);
    // The whole training step and the diagnostics: projection and weight-gradient GEMMs, both step kernels, the loss, the optimizer, the flow kernels.
    // On a CPU adapter the small products (the head's) take the plain GEMM, the others the rows GEMM.
    const steps = adapter === 'gpu' ? ['gemm_tiled', 'lstm_forward_step_coalesced', 'lstm_backward_step_coalesced'] : ['gemm_rows', 'gemm_tiles', 'lstm_forward_step', 'lstm_backward_step'];
    const flow = precision === 'f32' ? ['forget_product', 'flow_stats'] : ['cast_f16'];
    for (const k of [...steps, 'column_sum', 'mse_loss', 'optim_norm_partial', 'optim_norm_final', 'optim_adam', ...flow]) {
      expect(kernels, `${adapter}: ${k}`).toContain(k);
    }
    // Under f16 the recurrent kernels and the projection read f16 (the weight-gradient GEMMs do not).
    if (precision === 'f16') {
      for (const k of steps) expect(manifest.some((m) => m.kernel.startsWith(`${k}.`) && m.kernel.includes('.f16-')), `${k} in f16`).toBe(true);
    }
    // Each file is exactly the source the library compiled, and compiles again with each pipeline's constants.
    for (const m of manifest as ShaderManifestEntry[]) {
      const code = readFileSync(join(dir, m.file), 'utf8');
      const entry = view.pipelines.entries().find((e) => e.kernel.hash === m.hash);
      expect(entry, m.file).toBeDefined();
      expect(code).toBe(entry?.kernel.source);
      gpu!.device.pushErrorScope('validation');
      const module = gpu!.device.createShaderModule({ code, label: m.file });
      const info = await module.getCompilationInfo();
      expect(info.messages.filter((msg) => msg.type === 'error').map((msg) => msg.message), m.file).toEqual([]);
      for (const p of m.pipelines) await gpu!.device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main', constants: p.constants } });
      expect(await gpu!.device.popErrorScope(), m.file).toBeNull();
    }
  });
});
