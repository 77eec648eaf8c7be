import { Command } from 'commander';
import { runDoctor } from './doctor';
import { runCheckCommand } from './check';
import { trainCommand } from './train';
import { flowCommand } from './flow';
import { BENCH_DESCRIPTION, BENCH_OPTIONS, runBenchCommand, type BenchCommandOptions } from '../../bench/cli';

const program = new Command();
program.name('gateflow').description('Train and inspect LSTMs on the GPU with WebGPU.').showHelpAfterError();

program
  .command('doctor')
  .description('print the WebGPU adapter, run the gemm kernel and compare it with the CPU reference')
  .option('--json', 'print one JSON object instead of text')
  .action(async (opts: { json?: boolean }) => {
    const lines: string[] = [];
    const report = await runDoctor((l) => (opts.json ? lines.push(l) : console.log(l)));
    if (opts.json) console.log(JSON.stringify(report));
    else console.log(report.pass ? 'doctor: all checks passed' : 'doctor: a check FAILED');
    process.exitCode = report.pass ? 0 : 1;
  });

program
  .command('check')
  .description('run a PyTorch fixture (lstm-lib-fixture/v1 JSON) through the CPU reference and the GPU, print errors as JSON')
  .argument('<fixture>', 'path to the fixture JSON file')
  .option('--no-gpu', 'check the CPU reference only')
  .action(async (file: string, opts: { gpu: boolean }) => {
    process.exitCode = await runCheckCommand(file, opts);
  });

program.addCommand(trainCommand());
program.addCommand(flowCommand());

const bench = program.command('bench').description(BENCH_DESCRIPTION);
for (const o of BENCH_OPTIONS) bench.option(o.flags, o.description);
bench.action(async (opts: BenchCommandOptions) => {
  process.exitCode = await runBenchCommand(opts);
});

program.parseAsync().catch((err: Error) => {
  console.error(`gateflow: ${err.message}`);
  process.exitCode = process.exitCode || 2;
});
