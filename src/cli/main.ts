#!/usr/bin/env node
import { Command } from 'commander';
import { installProcessFaultHandlers } from '../telemetry/process-faults.js';
import { VERSION } from '../version.js';
import { analyzeCommand } from './analyze.js';
import { apiCommand } from './api.js';
import { costCommand } from './cost.js';
import { dlqCommand } from './dlq.js';
import { gatewayCommand } from './gateway.js';
import { labCommand } from './lab.js';
import { loadtestCommand } from './loadtest.js';
import { processingCommand } from './processing.js';
import { reportCommand } from './report.js';
import { serveCommand } from './serve.js';
import { workerCommand } from './worker.js';
import { workersCommand } from './workers.js';

installProcessFaultHandlers();

const program = new Command('flashsale')
  .description('A flash-sale order pipeline that does not collapse, and the load lab that proves it.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)');

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

// The load lab
program.addCommand(loadtestCommand());
program.addCommand(analyzeCommand());
program.addCommand(labCommand());
program.addCommand(reportCommand());

await program.parseAsync(process.argv);
