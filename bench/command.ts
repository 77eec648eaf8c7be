// `gateflow bench`: built by the CLI build as dist/bench.js, which src/cli/main.ts loads when present
// (the library never imports bench/).
import { Command } from 'commander';
import { BENCH_DESCRIPTION, BENCH_OPTIONS, runBenchCommand, type BenchCommandOptions } from './cli';

export function benchCommand(): Command {
  const bench = new Command('bench').description(BENCH_DESCRIPTION);
  for (const o of BENCH_OPTIONS) bench.option(o.flags, o.description);
  bench.action(async (opts: BenchCommandOptions) => {
    process.exitCode = await runBenchCommand(opts);
  });
  return bench;
}
