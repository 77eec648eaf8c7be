// Every contender bench/ exports (new variants appear without a page change), in the CLI's order:
// the benchmark page lists them, its worker runs them.
import type { Contender } from '../../bench/contender';
import * as gateflowContenders from '../../bench/contenders/gateflow';
import * as cpuContenders from '../../bench/contenders/cpu';
import * as tfjsContenders from '../../bench/contenders/tfjs';

const isContender = (v: unknown): v is Contender =>
  typeof v === 'object' && v !== null && typeof (v as Contender).name === 'string' && typeof (v as Contender).create === 'function';

const ORDER = ['gateflow-webgpu', 'gateflow-webgpu-per-step', 'gateflow-webgpu-persistent', 'gateflow-webgpu-f16', 'gateflow-webgpu-adam-clip', 'gateflow-cpu-reference', 'tfjs-webgpu', 'tfjs-wasm'];
const rank = (c: Contender) => (ORDER.includes(c.name) ? ORDER.indexOf(c.name) : ORDER.length);

export const REGISTRY: Contender[] = [gateflowContenders, cpuContenders, tfjsContenders]
  .flatMap((m) => Object.values(m).filter(isContender))
  .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
