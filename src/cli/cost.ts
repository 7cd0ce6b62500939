import { Command, Option } from 'commander';
import { optionParser } from '../config/flags.js';
import { formatDuration, parseDuration, parseNumber } from '../config/parse.js';
import { compareCosts, STUDY_PRICES } from '../cost/cost-model.js';
import { formatCostTable } from '../cost/cost-table.js';

interface CostFlags {
  orders: number;
  /** ms */
  duration: number;
  memory: number;
  tasksMonthly: number;
  requestPrice: number;
  gbSecondPrice: number;
  freeRequests: number;
  freeGbSeconds: number;
  json?: boolean;
}

/** Where the command writes; tests pass their own. */
export interface CostCommandDeps {
  write: (text: string) => void;
}

/** A count or a price: 1e6 and 1_000_000 as well as 1000000. */
const amount = optionParser((text) => parseNumber(text, { min: 0 }));

const flag = (flags: string, description: string, defaultValue: number) =>
  new Option(flags, description).argParser(amount).default(defaultValue);

const STUDY_DURATION_MS = 3000;

export function costCommand(deps: CostCommandDeps = { write: (text) => process.stdout.write(text) }): Command {
  return new Command('cost')
    .description('monthly cost of always-on container tasks vs functions for an order volume, with the break-even')
    .addOption(flag('--orders <n>', 'orders per month', 10_000))
    .addOption(
      new Option('--duration <duration>', 'time one order runs in a function, the payment (3s, 3000ms; bare = ms)')
        .argParser(optionParser((text) => parseDuration(text, { positive: true })))
        .default(STUDY_DURATION_MS, formatDuration(STUDY_DURATION_MS)),
    )
    .addOption(flag('--memory <mb>', 'function memory, MB', 512))
    .addOption(
      flag(
        '--tasks-monthly <usd>',
        'always-on tasks, USD per month (the study: two tasks)',
        STUDY_PRICES.tasksPerMonth,
      ),
    )
    .addOption(flag('--request-price <usd>', 'function requests, USD per million', STUDY_PRICES.perMillionRequests))
    .addOption(flag('--gb-second-price <usd>', 'function compute, USD per GB-second', STUDY_PRICES.perGbSecond))
    .addOption(flag('--free-requests <n>', 'requests free each month', STUDY_PRICES.freeRequests))
    .addOption(flag('--free-gb-seconds <n>', 'GB-seconds free each month', STUDY_PRICES.freeGbSeconds))
    .option('--json', 'print the comparison as JSON')
    .addHelpText(
      'after',
      `
Examples:
  flashsale cost                              the study's example: 10,000 orders/month → $0 as functions
  flashsale cost --orders 216000              one flash-sale hour at 60 orders/s
  flashsale cost --orders 5e6 --json`,
    )
    .action((flags: CostFlags) => {
      const comparison = compareCosts(
        { ordersPerMonth: flags.orders, durationSeconds: flags.duration / 1000, memoryMb: flags.memory },
        {
          tasksPerMonth: flags.tasksMonthly,
          perMillionRequests: flags.requestPrice,
          perGbSecond: flags.gbSecondPrice,
          freeRequests: flags.freeRequests,
          freeGbSeconds: flags.freeGbSeconds,
        },
      );
      if (flags.json) {
        // JSON has no Infinity: a break-even that never comes is null.
        const breakEvenOrders = Number.isFinite(comparison.breakEvenOrders) ? comparison.breakEvenOrders : null;
        deps.write(`${JSON.stringify({ ...comparison, breakEvenOrders }, null, 2)}\n`);
      } else {
        deps.write(formatCostTable(comparison));
      }
    });
}
