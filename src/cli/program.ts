import { Command, CommanderError } from 'commander';
import { ConfigError } from '../core/errors.js';
import { EXIT_USAGE } from '../loadtest/outcome.js';
import { VERSION } from '../version.js';
import { analyzeCommand } from './analyze.js';
import { apiCommand } from './api.js';
import { costCommand } from './cost.js';
import { dlqCommand } from './dlq.js';
import { gatewayCommand } from './gateway.js';
import { labCommand } from './lab.js';
import { loadtestCommand } from './loadtest.js';
import { processingCommand } from './processing.js';
import { productsCommand } from './products.js';
import { reportCommand } from './report.js';
import { serveCommand } from './serve.js';
import { workerCommand } from './worker.js';
import { workersCommand } from './workers.js';

/** The `flashsale` command with every subcommand registered. */
export function buildProgram(): Command {
  const program = new Command('flashsale')
    .description('A flash-sale order pipeline that does not collapse, and the load lab that proves it.')
    .version(VERSION);

  // The service
  program.addCommand(serveCommand());
  program.addCommand(apiCommand());
  program.addCommand(workerCommand());
  program.addCommand(gatewayCommand());
  program.addCommand(costCommand());

  // Operations on a running server (admin API)
  program.addCommand(dlqCommand());
  program.addCommand(workersCommand());
  program.addCommand(processingCommand());
  program.addCommand(productsCommand());

  // The load lab
  program.addCommand(loadtestCommand());
  program.addCommand(analyzeCommand());
  program.addCommand(labCommand());
  program.addCommand(reportCommand());

  forEachCommand(program, (command) => {
    // Commander exits 1 on its usage errors; throwing lets runProgram give them our code. addCommand
    // copies no settings to a subcommand, hence the walk.
    command.exitOverride().showHelpAfterError('(run with --help for usage)');
  });
  return program;
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const sub of command.commands) forEachCommand(sub, visit);
}

/**
 * Parses and runs; --help and --version exit 0, commander's usage errors (unknown option, missing
 * argument, bad choice) exit 2 like the commands' own, and the commands set their other codes.
 */
export async function runProgram(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    // A setting found wrong only at start (a catalog file): one line naming it, the usage exit code.
    if (error instanceof ConfigError) {
      process.stderr.write(`flashsale: ${error.message}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    if (!(error instanceof CommanderError)) throw error;
    // Commander has printed its message (and the hint) already.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
}
