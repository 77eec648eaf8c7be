import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuForTests } from '../helpers/gpu';
import { runBenchmark, median, type BenchReport, type HarnessOptions } from '../../bench/harness';
import { gateflowWebgpu, gateflowWebgpuPerStep, gateflowWebgpuPersistent } from '../../bench/contenders/gateflow';
import { cpuReference } from '../../bench/contenders/cpu';
import { tfjsWasm, swap01, transpose } from '../../bench/contenders/tfjs';
import { loadTfjsNode } from '../../bench/node/tfjsNode';
import { resolveBenchOptions, runBenchCommand } from '../../bench/cli';
import { SEQUENCE_LOSS_TOLERANCE, SEQUENCE_VARIANTS, formatSequenceBench, runSequenceBench } from '../../bench/sequenceBench';
import { parseConfigs, suiteConfigs } from '../../bench/configs';
import { inferFlops, trainFlops } from '../../bench/flops';
import type { Contender } from '../../bench/contender';
import type { LayerParams } from '../../src/config';

const gpu = await gpuForTests();
const tiny = { B: 2, T: 5, I: 3, H: 8 };

/** gateflow with its weights scaled by 1.01 on every load: must fail validation and never be timed. */
function perturbed(timedCalls: { n: number }): Contender {
  return {
    ...gateflowWebgpu,
    name: 'broken-perturbed-weights',
    async create(problem, ctx) {
      const inst = await gateflowWebgpu.create(problem, ctx);
      const setWeights = inst.setWeights.bind(inst);
      const timed = inst.timedTrainStep.bind(inst);
      const scale = (a: Float64Array) => a.map((v) => v * 1.01);
      inst.setWeights = (w: LayerParams) => setWeights({ weightIh: scale(w.weightIh), weightHh: scale(w.weightHh), biasIh: scale(w.biasIh), biasHh: scale(w.biasHh) });
      inst.timedTrainStep = () => {
        timedCalls.n++;
        return timed();
      };
      return inst;
    },
  };
}

const options = (contenders: Contender[]): HarnessOptions => ({
  configs: [tiny], contenders, ctx: { gpu: gpu ?? undefined, loadTfjs: loadTfjsNode },
  warmup: 1, repeats: 2, budgetMs: 500, cpuLimitMs: 20_000, seed: 3, gemmSizes: [], adapter: gpu?.info ?? null,
});

function expectRowShape(r: BenchReport['results'][number]): void {
  expect(r.config).toEqual(tiny);
  expect(typeof r.contender).toBe('string');
  for (const key of ['trainMs', 'inferMs', 'dispatchesPerTrainStep', 'gflops', 'validated'] as const) expect(r).toHaveProperty(key);
}

describe('benchmark helpers', () => {
  it('parses configs and suites', () => {
    expect(parseConfigs('16,64,32,128; 1,2,3,4')).toEqual([{ B: 16, T: 64, I: 32, H: 128 }, { B: 1, T: 2, I: 3, H: 4 }]);
    expect(() => parseConfigs('1,2,3')).toThrow(/B,T,I,H/);
    expect(() => parseConfigs('1,2,0,4')).toThrow(/positive/);
    expect(suiteConfigs(['main'])).toHaveLength(4);
    expect(() => suiteConfigs(['nope'])).toThrow(/unknown suite/);
    // The GPU suite: the main four, DeepBench's LSTM shape, and a 4096³ GEMM.
    expect(suiteConfigs(['gpu'])).toEqual([...suiteConfigs(['main']), { B: 64, T: 25, I: 512, H: 512 }]);
    expect(resolveBenchOptions({ suite: 'gpu' }).gemmSizes).toContainEqual([4096, 4096, 4096]);
    expect(resolveBenchOptions({}).gemmSizes).not.toContainEqual([4096, 4096, 4096]);
  });

  it('counts FLOPs as 3 × 2·T·B·4H·(I+H) per training step', () => {
    expect(inferFlops({ B: 16, T: 64, I: 32, H: 128 })).toBe(2 * 64 * 16 * 512 * 160);
    expect(trainFlops({ B: 16, T: 64, I: 32, H: 128 })).toBe(3 * 2 * 64 * 16 * 512 * 160);
  });

  it('converts layouts for TF.js and takes medians', () => {
    const a = Float32Array.from({ length: 24 }, (_, i) => i);
    expect(swap01(swap01(a, 2, 3, 4), 3, 2, 4)).toEqual(a);
    expect(swap01(a, 2, 3, 4)[4]).toBe(a[12]); // [1][0][0] ← [0][1][0]
    expect(transpose([1, 2, 3, 4, 5, 6], 2, 3)).toEqual(Float32Array.from([1, 4, 2, 5, 3, 6]));
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});

describe.skipIf(!gpu)('benchmark harness (quick, tiny config)', () => {
  it('validates then times gateflow and the CPU reference; a broken contender fails validation and is not timed', async () => {
    const timedCalls = { n: 0 };
    const report = await runBenchmark({ ...options([gateflowWebgpu, cpuReference, perturbed(timedCalls)]), gemmSizes: [[40, 24, 16]] });
    expect(report.adapter).toEqual(gpu!.info);
    expect(report.results.map((r) => r.contender)).toEqual(['gateflow-webgpu', 'gateflow-cpu-reference', 'broken-perturbed-weights']);
    report.results.forEach(expectRowShape);
    const [gf, cpu, broken] = report.results;
    for (const r of [gf, cpu]) {
      expect(r.validated, JSON.stringify(r.validation)).toBe(true);
      expect(r.status).toBe('ok');
      expect(r.trainMs).toBeGreaterThan(0);
      expect(r.inferMs).toBeGreaterThan(0);
      expect(r.gflops).toBeCloseTo(trainFlops(tiny) / (r.trainMs! * 1e6), 9);
    }
    expect(gf.detail).toMatch(/^strategy (per-step|persistent)$/);
    expect(cpu.dispatchesPerTrainStep).toBeNull();
    expect(gf.ratios['gateflow-cpu-reference'].train).toBeCloseTo(cpu.trainMs! / gf.trainMs!, 9);
    expect(broken.validated).toBe(false);
    expect(broken.status).toBe('failed');
    expect(broken.trainMs).toBeNull();
    expect(broken.gflops).toBeNull();
    const failed = broken.validation.filter((c) => !c.pass).map((c) => c.name);
    expect(failed).toContain('inference output h');
    expect(failed).toContain('updated weights');
    expect(broken.note).toMatch(/validation failed/);
    expect(timedCalls.n).toBe(0);
    expect(gf.ratios['broken-perturbed-weights']).toBeUndefined();
    expect(report.gemm).toHaveLength(1);
    expect(report.gemm[0]).toMatchObject({ M: 40, N: 24, K: 16, validated: true });
    expect(report.gemm[0].gflops).toBeGreaterThan(0);
  });

  it('counts the dispatches of each gateflow strategy', async () => {
    const report = await runBenchmark(options([gateflowWebgpuPerStep, gateflowWebgpuPersistent]));
    const [perStep, persistent] = report.results;
    expect(perStep.detail).toBe('strategy per-step');
    expect(persistent.detail).toBe('strategy persistent');
    for (const r of report.results) expect(r.validated, JSON.stringify(r.validation)).toBe(true);
    // per-step: forward 1 + T, loss 1, BPTT T + 4 (no dx), optimizer 3; inference 1 + T.
    expect(perStep.dispatchesPerTrainStep).toBe(1 + tiny.T + 1 + tiny.T + 4 + 3);
    expect(perStep.dispatchesPerInferPass).toBe(1 + tiny.T);
    // persistent: forward 2, loss 1, BPTT 4, optimizer 3, whatever T; inference 2.
    expect(persistent.dispatchesPerTrainStep).toBe(2 + 1 + 4 + 3);
    expect(persistent.dispatchesPerInferPass).toBe(2);
  });

  it('gateflow-webgpu: `gateflow bench --json` prints one JSON object and writes the report files', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'gateflow-bench-'));
    try {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const code = await runBenchCommand(
        { quick: true, json: true, config: '2,5,3,8', contenders: 'gateflow-webgpu,gateflow-cpu-reference', gemm: false, out },
        { stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t), gpu, command: 'gateflow bench --quick --json' },
      );
      expect(code, stderr.join('\n')).toBe(0);
      expect(stdout).toHaveLength(1);
      const json = JSON.parse(stdout[0]);
      expect(json.adapter).toMatchObject({ runtime: 'node-dawn' });
      expect(json.command).toBe('gateflow bench --quick --json');
      expect(json.results.map((r: { contender: string }) => r.contender)).toEqual(['gateflow-webgpu', 'gateflow-cpu-reference']);
      for (const r of json.results) {
        expectRowShape(r);
        expect(r.validated).toBe(true);
      }
      const saved = JSON.parse(readFileSync(path.join(out, 'latest-custom.json'), 'utf8'));
      expect(saved.results).toEqual(json.results);
      // --from re-renders a saved report without running anything.
      const table: string[] = [];
      const md = path.join(out, 'RESULTS.md');
      expect(await runBenchCommand({ from: path.join(out, 'latest-custom.json'), markdown: md }, { stdout: (t) => table.push(t), stderr: () => {}, gpu: null })).toBe(0);
      expect(table.join('\n')).toMatch(/B=2 T=5 I=3 H=8[\s\S]*gateflow-webgpu .* yes/);
      expect(readFileSync(md, 'utf8')).toMatch(/^# gateflow benchmark results[\s\S]*command: `gateflow bench --quick --json`[\s\S]*\| gateflow-cpu-reference \| yes \|/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('bench options', () => {
  it('rejects bad options with exit code 2 and a message', async () => {
    for (const [opts, msg] of [[{ config: '1,2,3' }, /B,T,I,H/], [{ contenders: 'gateflow-webgpu,nope' }, /unknown \["nope"\]/], [{ repeats: '0' }, /--repeats/], [{ from: '/nonexistent/report.json' }, /--from/]] as const) {
      const stderr: string[] = [];
      expect(await runBenchCommand(opts, { stdout: () => {}, stderr: (t) => stderr.push(t), gpu: null })).toBe(2);
      expect(stderr.join('\n')).toMatch(msg);
    }
  });

  it('tfjs-wasm trains the same model: validates against the CPU reference', async () => {
    const report = await runBenchmark({ ...options([tfjsWasm]), ctx: { loadTfjs: loadTfjsNode } });
    const [r] = report.results;
    expect(r.status, r.note).toBe('ok');
    expect(r.validated).toBe(true);
    expect(r.dispatchesPerTrainStep).toBeNull();
  });
});

describe.skipIf(!gpu)('the sequence-options benchmark (bench/sequenceBench.ts)', () => {
  it('validates one direction, two, lengths and both in gateflow and TF.js (masking, Bidirectional) by their first loss, then times them', async () => {
    const rows = await runSequenceBench(gpu!, [{ B: 3, T: 6, I: 2, H: 4 }], { warmup: 0, repeats: 1, budgetMs: 1000, seed: 3, loadTfjs: loadTfjsNode, tfjsBackends: ['wasm'] }, () => {});
    expect(rows.map((r) => `${r.variant}/${r.contender}`)).toEqual(['one direction', 'bidirectional', 'lengths', 'bidirectional + lengths'].flatMap((v) => [`${v}/gateflow-webgpu`, `${v}/tfjs-wasm`]));
    for (const r of rows) {
      expect(r.lossErr, `${r.variant} ${r.contender}: ${r.note}`).toBeLessThanOrEqual(SEQUENCE_LOSS_TOLERANCE);
      expect(r.ms).toBeGreaterThan(0);
    }
    expect(formatSequenceBench(rows)).toMatch(/\| B3\/T6\/I2\/H4 \| bidirectional \| tfjs-wasm \| [\d.]+ \| [\d.]+× \| [\d.]+× \|/);
  });

  it("times gateflow's GRU against TF.js's GRU layer, each validated by its first loss (TF.js against a reset-before forward)", async () => {
    const rows = await runSequenceBench(gpu!, [{ B: 3, T: 5, I: 2, H: 6 }], { warmup: 0, repeats: 1, budgetMs: 1000, seed: 5, loadTfjs: loadTfjsNode, tfjsBackends: ['wasm'], cell: 'gru', variants: [SEQUENCE_VARIANTS[0]!] }, () => {});
    expect(rows.map((r) => r.contender)).toEqual(['gateflow-webgpu', 'tfjs-wasm']);
    for (const r of rows) {
      expect(r.lossErr, `${r.contender}: ${r.note}`).toBeLessThanOrEqual(SEQUENCE_LOSS_TOLERANCE);
      expect(r.ms).toBeGreaterThan(0);
    }
  });
});
