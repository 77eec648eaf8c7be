import { formatAdapter } from '../gpu/device';
import { Gpu } from '../gpu/runtime';
import { GemmKernel, gemmFlops } from '../kernels/gemm';
import { matmulABt } from '../cpu/matmul';
import { Rng } from '../random';
import { relativeError } from '../fixtures/compare';

export interface DoctorReport {
  adapter: Gpu['info'];
  limits: Record<string, number>;
  checks: { name: string; relErr: number; pass: boolean; gpuMs: number; gflops: number }[];
  pass: boolean;
}

const SHOWN_LIMITS = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupsPerDimension'] as const;

/** Gets a device, runs the gemm kernel on random inputs, and compares it with the CPU reference. */
export async function runDoctor(log: (line: string) => void): Promise<DoctorReport> {
  const gpu = await Gpu.create();
  try {
    log(`adapter: ${formatAdapter(gpu.info)}`);
    log(`features: ${gpu.info.features.join(', ')}`);
    const limits: Record<string, number> = {};
    for (const name of SHOWN_LIMITS) limits[name] = gpu.limits[name];
    log(`limits: ${SHOWN_LIMITS.map((n) => `${n}=${limits[n]}`).join(' ')}`);
    const checks = [];
    for (const [M, N, K] of [[37, 29, 65], [256, 256, 256]]) {
      const rng = new Rng(M * 1000 + N);
      const A = rng.uniformArray(M * K, -1, 1);
      const B = rng.uniformArray(N * K, -1, 1);
      const bias = rng.uniformArray(N, -1, 1);
      const bufs = { a: gpu.storage(M * K, 'A'), b: gpu.storage(N * K, 'B'), c: gpu.storage(M * N, 'C'), bias: gpu.storage(N, 'bias') };
      gpu.write(bufs.a, new Float32Array(A));
      gpu.write(bufs.b, new Float32Array(B));
      gpu.write(bufs.bias, new Float32Array(bias));
      gpu.write(bufs.c, new Float32Array(M * N).fill(Number.NaN));
      const kernel = new GemmKernel(gpu, { M, N, K, aLayout: 'MK', bLayout: 'NK', a: { buffer: bufs.a }, b: { buffer: bufs.b }, c: { buffer: bufs.c }, bias: { buffer: bufs.bias } });
      const rec = gpu.recorder('doctor gemm');
      kernel.record(rec);
      const t0 = performance.now();
      gpu.submit(rec);
      await gpu.device.queue.onSubmittedWorkDone();
      const gpuMs = performance.now() - t0;
      const got = await gpu.read(bufs.c, M * N);
      const relErr = relativeError(got, matmulABt(A, B, M, N, K, bias));
      const gflops = gemmFlops(M, N, K) / (gpuMs * 1e6);
      const pass = relErr <= 1e-5;
      checks.push({ name: `gemm ${M}x${N}x${K}`, relErr, pass, gpuMs, gflops });
      log(`gemm ${M}x${N}x${K}: GPU vs CPU relative error ${relErr.toExponential(2)} (${pass ? 'ok' : 'FAIL, limit 1e-5'}), ${gpuMs.toFixed(2)} ms, ${gflops.toFixed(2)} GFLOP/s`);
      kernel.dispose();
      Object.values(bufs).forEach((b) => gpu.pool.release(b));
    }
    return { adapter: gpu.info, limits, checks, pass: checks.every((c) => c.pass) };
  } finally {
    gpu.destroy();
  }
}
