// Benchmark shapes. Legend (as everywhere in gateflow): B batch, T time, I input size, H hidden size.
// Every configuration is one LSTM layer without a head, trained with MSE on its outputs h (O = H).

export interface BenchConfig {
  B: number;
  T: number;
  I: number;
  H: number;
}

/** The four shapes of the issue: a typical one, a long thin one, a wide one, a 1-input time series. */
export const MAIN_CONFIGS: readonly BenchConfig[] = [
  { B: 16, T: 64, I: 32, H: 128 },
  { B: 1, T: 256, I: 8, H: 64 },
  { B: 64, T: 32, I: 64, H: 256 },
  { B: 8, T: 100, I: 1, H: 32 },
];

/** Baidu DeepBench's LSTM training shape, against which cuDNN's step is known (3.03 ms on a V100, FP32). */
export const DEEPBENCH_CONFIG: BenchConfig = { B: 64, T: 25, I: 512, H: 512 };

/** For real GPUs: the main four and DeepBench's shape (with a 4096³ GEMM: GEMM_SIZES_GPU). */
export const GPU_CONFIGS: readonly BenchConfig[] = [...MAIN_CONFIGS, DEEPBENCH_CONFIG];

/** Sweep over the sequence length at B=16, I=32, H=128. */
export const SWEEP_T: readonly BenchConfig[] = [16, 32, 64, 128, 256, 512, 1024].map((T) => ({ B: 16, T, I: 32, H: 128 }));

/** Sweep over the hidden size at B=16, T=64, I=32. */
export const SWEEP_H: readonly BenchConfig[] = [32, 64, 128, 256, 512].map((H) => ({ B: 16, T: 64, I: 32, H }));

/** CI-sized shapes for `--quick` (and the browser page): the whole quick run stays well under a minute on lavapipe. */
export const QUICK_CONFIGS: readonly BenchConfig[] = [
  { B: 4, T: 16, I: 8, H: 32 },
  { B: 8, T: 32, I: 16, H: 64 },
];

export const SUITES = {
  main: MAIN_CONFIGS,
  't-sweep': SWEEP_T,
  'h-sweep': SWEEP_H,
  quick: QUICK_CONFIGS,
  gpu: GPU_CONFIGS,
} as const;
export type SuiteName = keyof typeof SUITES;

/** The configurations of one or more suites, duplicates dropped, in order. */
export function suiteConfigs(names: readonly string[]): BenchConfig[] {
  const out: BenchConfig[] = [];
  for (const name of names) {
    if (name === 'all') return suiteConfigs(['main', 't-sweep', 'h-sweep']);
    if (!(name in SUITES)) throw new RangeError(`unknown suite "${name}" (known: ${[...Object.keys(SUITES), 'all'].join(', ')})`);
    for (const c of SUITES[name as SuiteName]) if (!out.some((o) => configKey(o) === configKey(c))) out.push(c);
  }
  return out;
}

export const configKey = (c: BenchConfig): string => `B=${c.B} T=${c.T} I=${c.I} H=${c.H}`;

/** Parses "B,T,I,H" (several separated by ';' or given as an array); every value a positive integer. */
export function parseConfigs(spec: string | readonly string[]): BenchConfig[] {
  const parts = (typeof spec === 'string' ? [spec] : spec).flatMap((s) => s.split(';')).map((s) => s.trim()).filter((s) => s);
  if (parts.length === 0) throw new RangeError('--config: expected B,T,I,H (e.g. 16,64,32,128)');
  return parts.map((p) => {
    const v = p.split(',').map((s) => Number(s.trim()));
    if (v.length !== 4 || v.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new RangeError(`--config: "${p}" is not B,T,I,H with four positive integers (e.g. 16,64,32,128)`);
    }
    const [B, T, I, H] = v;
    return { B, T, I, H };
  });
}
