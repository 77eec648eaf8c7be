import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { checkFixtureCpu, type FixtureCheck } from '../fixtures/check';
import { checkFixtureGpu } from '../fixtures/checkGpu';
import { FixtureError, parseFixture } from '../fixtures/schema';
import { Gpu } from '../gpu/runtime';

export interface CheckReport {
  fixture: string;
  cpu: FixtureCheck;
  gpu: FixtureCheck | null;
  pass: boolean;
}

/**
 * `gateflow check FILE` (schema v1 or v2): one JSON object on stdout (`gpu` null when not run). Exit code 0 pass, 1 a tensor over tolerance,
 * 2 an unreadable or invalid file (message on stderr naming the problem).
 */
export async function runCheckCommand(file: string, opts: { gpu: boolean }): Promise<number> {
  let fixture;
  try {
    const text = readFileSync(file, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new FixtureError(`${basename(file)}: not valid JSON (${(err as Error).message})`);
    }
    fixture = parseFixture(json, basename(file));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    console.error(`gateflow check: ${e.code === 'ENOENT' ? `no such file: ${file}` : e.message}`);
    return 2;
  }
  const cpu = checkFixtureCpu(fixture);
  let gpu: FixtureCheck | null = null;
  if (opts.gpu) {
    const device = await Gpu.create();
    try {
      gpu = await checkFixtureGpu(device, fixture);
    } finally {
      device.destroy();
    }
  }
  const report: CheckReport = { fixture: fixture.name, cpu, gpu, pass: cpu.pass && (gpu?.pass ?? true) };
  console.log(JSON.stringify(report));
  return report.pass ? 0 : 1;
}
