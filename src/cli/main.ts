import { Command } from 'commander';
import { runDoctor } from './doctor';
import { runCheckCommand } from './check';
import { trainCommand } from './train';
import { flowCommand } from './flow';
import { shadersCommand } from './shaders';
import { exportCommand } from './export';
import { version } from '../../package.json';

const program = new Command();
program.name('gateflow').description('Train and inspect LSTMs on the GPU with WebGPU.').version(version, '-V, --version', 'print the version').showHelpAfterError();

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
program.addCommand(shadersCommand());
program.addCommand(exportCommand());

// `gateflow bench` lives in bench/ (a layer above the library, which never imports it): the CLI
// build writes it beside this file as bench.js, and it adds its command here when present.
const BENCH_MODULE = './bench.js';
try {
  const bench = (await import(/* @vite-ignore */ new URL(BENCH_MODULE, import.meta.url).href)) as { benchCommand(): Command };
  program.addCommand(bench.benchCommand());
} catch (err) {
  if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
}

program.parseAsync().catch((err: Error) => {
  console.error(`gateflow: ${err.message}`);
  process.exitCode = process.exitCode || 2;
});
