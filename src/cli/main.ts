#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { analyzeCommand } from './analyze.js';
import { costCommand } from './cost.js';
import { loadtestCommand } from './loadtest.js';
import { serveCommand } from './serve.js';

const program = new Command('flashsale')
  .description('A flash-sale order pipeline that does not collapse, and the load lab that proves it.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)');

// The service
program.addCommand(serveCommand());
program.addCommand(costCommand());

// The load lab
program.addCommand(loadtestCommand());
program.addCommand(analyzeCommand());

await program.parseAsync(process.argv);
