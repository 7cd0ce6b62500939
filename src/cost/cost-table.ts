import type { CostComparison } from './cost-model.js';

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2 });

/** A plain-text table of one comparison, for the terminal. */
export function formatCostTable(c: CostComparison): string {
  const { workload, prices, functions } = c;
  const rows: Array<[string, string, string, string]> = [
    ['', 'always-on tasks', 'functions', ''],
    ['requests / month', '', count.format(functions.requests), `(${count.format(prices.freeRequests)} free)`],
    ['GB-seconds / month', '', count.format(functions.gbSeconds), `(${count.format(prices.freeGbSeconds)} free)`],
    ['request charge', '', usd.format(functions.requestCost), `${count.format(functions.billableRequests)} billed`],
    [
      'compute charge',
      '',
      usd.format(functions.computeCost),
      `${count.format(functions.billableGbSeconds)} GB-s billed`,
    ],
    ['cost / month', usd.format(c.tasks), usd.format(functions.total), ''],
  ];
  const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length));
  const [w0, w1, w2] = [width(0), width(1), width(2)];
  const line = (r: [string, string, string, string]) =>
    `${r[0].padEnd(w0)}  ${r[1].padStart(w1)}  ${r[2].padStart(w2)}  ${r[3]}`.trimEnd();

  const perSecond = (orders: number) => (orders / (30 * 24 * 3600)).toFixed(2);
  const breakEven = Number.isFinite(c.breakEvenOrders)
    ? `functions cost as much as the tasks at ${count.format(Math.ceil(c.breakEvenOrders))} orders/month (${perSecond(c.breakEvenOrders)} orders/s over a 30-day month)`
    : 'functions never cost as much as the tasks at these prices';
  const verdict =
    c.cheaper === 'equal'
      ? 'both cost the same'
      : `${c.cheaper} are cheaper by ${usd.format(Math.abs(c.tasks - functions.total))}/month`;
  return [
    `${count.format(workload.ordersPerMonth)} orders/month, ${workload.durationSeconds} s per order, ${count.format(workload.memoryMb)} MB`,
    '',
    ...rows.map(line),
    '',
    `free tier: up to ${count.format(Math.floor(c.freeOrders))} orders/month`,
    `break-even: ${breakEven}`,
    `verdict: ${verdict}`,
    '',
  ].join('\n');
}
