// Standalone entry for the benchmark until `gateflow bench` is wired into src/cli/main.ts:
//   npx vite build --config bench/vite.config.ts && node bench/dist/bench.js --quick
import { Command } from 'commander';
import { BENCH_DESCRIPTION, BENCH_OPTIONS, runBenchCommand, type BenchCommandOptions } from './cli';

const program = new Command('gateflow-bench').description(BENCH_DESCRIPTION).showHelpAfterError();
for (const o of BENCH_OPTIONS) program.option(o.flags, o.description);
program.action(async (opts: BenchCommandOptions) => {
  process.exitCode = await runBenchCommand(opts, { command: `node bench/dist/bench.js ${process.argv.slice(2).join(' ')}`.trim() });
});
program.parseAsync().catch((err: Error) => {
  console.error(`gateflow bench: ${err.stack ?? err.message}`);
  process.exitCode = process.exitCode || 2;
});
