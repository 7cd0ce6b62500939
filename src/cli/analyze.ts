import { Command } from 'commander';
import { analysisJson, analyzeCapacity, type CapacityParams, formatAnalysis } from '../analyze/index.js';
import { ParseError, parseDuration, parseNumber } from '../config/parse.js';
import { parseRate, UsageError } from '../loadtest/parse.js';

export interface AnalyzeFlags {
  latency: string;
  slots: string;
  workers?: string;
  demand: string;
  duration: string;
  timeout: string;
  afterDemand?: string;
  json?: boolean;
}

const COUNT = { integer: true, min: 0 };

/** Turns the flags into parameters; throws a ParseError or UsageError naming the flag at fault. */
export function paramsFromFlags(flags: AnalyzeFlags): CapacityParams {
  const latencyMs = parseDuration(flags.latency, { flag: '--latency', positive: true });
  const slots = parseNumber(flags.slots, { ...COUNT, flag: '--slots' });
  const workers = flags.workers === undefined ? null : parseNumber(flags.workers, { ...COUNT, flag: '--workers' });
  const timeoutMs = parseDuration(flags.timeout, { flag: '--timeout', positive: true });
  return {
    latencyS: latencyMs / 1000,
    slots: slots === 0 ? null : slots,
    workers: workers === 0 ? null : workers,
    demandPerS: parseRate(flags.demand, '--demand'),
    durationS: parseDuration(flags.duration, { flag: '--duration' }) / 1000,
    timeoutS: timeoutMs / 1000,
    ...(flags.afterDemand ? { afterDemandPerS: parseRate(flags.afterDemand, '--after-demand') } : {}),
  };
}

export function analyzeCommand(): Command {
  return new Command('analyze')
    .description('the study’s bottleneck arithmetic: capacity, deficit, backlog, drain time, workers needed')
    .option('--latency <duration>', 'time per payment (3s, 3000ms; a bare number is ms)', '3s')
    .option('--slots <n>', 'payments the provider carries out at once; 0 = unlimited', '1')
    .option('--workers <n>', 'concurrent processor workers; 0 or absent = not a limit')
    .option('--demand <rate>', 'orders per second during the sale: 60/s, 3600/min', '60/s')
    .option('--duration <duration>', 'length of the sale', '1h')
    .option('--timeout <duration>', 'client timeout of the synchronous checkout', '10s')
    .option('--after-demand <rate>', 'orders per second after the sale, while the backlog drains (default: 0)')
    .option('--json', 'print the figures as JSON')
    .addHelpText(
      'after',
      `
Examples:
  flashsale analyze                              the study: 3 s payments, 1 slot, 60 orders/s for 1 h
  flashsale analyze --slots 0 --workers 100      100 workers and an unlimited provider
  flashsale analyze --demand 5/s --duration 30s  normal traffic`,
    )
    .action((flags: AnalyzeFlags) => {
      try {
        const analysis = analyzeCapacity(paramsFromFlags(flags));
        const text = flags.json ? JSON.stringify(analysisJson(analysis), null, 2) : formatAnalysis(analysis);
        process.stdout.write(`${text}\n`);
      } catch (error) {
        if (error instanceof UsageError || error instanceof ParseError || error instanceof RangeError) {
          process.stderr.write(`flashsale analyze: ${error.message}\n(run with --help for usage)\n`);
          process.exitCode = 2;
          return;
        }
        throw error;
      }
    });
}
