import { Command, InvalidArgumentError, Option } from 'commander';
import { compareCosts, STUDY_PRICES } from '../cost/cost-model.js';
import { formatCostTable } from '../cost/cost-table.js';

interface CostFlags {
  orders: number;
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

function amount(value: string): number {
  // Accepts 1e6 and 1_000_000 as well as 1000000.
  const n = Number(value.replaceAll('_', ''));
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number ≥ 0');
  return n;
}

const flag = (flags: string, description: string, defaultValue: number) =>
  new Option(flags, description).argParser(amount).default(defaultValue);

export function costCommand(deps: CostCommandDeps = { write: (text) => process.stdout.write(text) }): Command {
  return new Command('cost')
    .description('monthly cost of always-on container tasks vs functions for an order volume, with the break-even')
    .addOption(flag('--orders <n>', 'orders per month', 10_000))
    .addOption(flag('--duration <s>', 'seconds one order runs in a function (the payment)', 3))
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
        { ordersPerMonth: flags.orders, durationSeconds: flags.duration, memoryMb: flags.memory },
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
