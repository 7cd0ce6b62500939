/** Prices and free tier of the comparison; defaults are the study's figures. */
export interface Prices {
  /** Always-on container tasks, USD per month. Default 17, the study's two Fargate tasks. */
  tasksPerMonth: number;
  /** Function requests, USD per million. Default 0.20. */
  perMillionRequests: number;
  /** Function compute, USD per GB-second. Default 0.0000166667. */
  perGbSecond: number;
  /** Requests free each month. Default 1,000,000. */
  freeRequests: number;
  /** GB-seconds free each month. Default 400,000. */
  freeGbSeconds: number;
}

export const STUDY_PRICES: Prices = {
  tasksPerMonth: 17,
  perMillionRequests: 0.2,
  perGbSecond: 0.0000166667,
  freeRequests: 1_000_000,
  freeGbSeconds: 400_000,
};

/** The workload: one function invocation per order. */
export interface Workload {
  /** Orders per month. */
  ordersPerMonth: number;
  /** Seconds one invocation runs (the payment). The study: 3. */
  durationSeconds: number;
  /** Memory of the function, MB (billed as MB / 1024 GB). The study: 512. */
  memoryMb: number;
}

export interface FunctionCost {
  requests: number;
  gbSeconds: number;
  billableRequests: number;
  billableGbSeconds: number;
  requestCost: number;
  computeCost: number;
  total: number;
}

export interface CostComparison {
  workload: Workload;
  prices: Prices;
  /** USD per month, whatever the volume. */
  tasks: number;
  functions: FunctionCost;
  /** Orders per month a function handles inside the free tier. */
  freeOrders: number;
  /** Orders per month at which functions cost as much as the tasks; Infinity if they never do. */
  breakEvenOrders: number;
  cheaper: 'functions' | 'tasks' | 'equal';
}

/** USD per month of running the workload as functions. */
export function functionCost(workload: Workload, prices: Prices = STUDY_PRICES): FunctionCost {
  const requests = workload.ordersPerMonth;
  const gbSeconds = requests * gbSecondsPerOrder(workload);
  const billableRequests = Math.max(0, requests - prices.freeRequests);
  const billableGbSeconds = Math.max(0, gbSeconds - prices.freeGbSeconds);
  const requestCost = (billableRequests / 1_000_000) * prices.perMillionRequests;
  const computeCost = billableGbSeconds * prices.perGbSecond;
  return {
    requests,
    gbSeconds,
    billableRequests,
    billableGbSeconds,
    requestCost,
    computeCost,
    total: requestCost + computeCost,
  };
}

/** Always-on tasks against functions for one workload, with the free-tier volume and the break-even volume. */
export function compareCosts(workload: Workload, prices: Prices = STUDY_PRICES): CostComparison {
  validate(workload, prices);
  const functions = functionCost(workload, prices);
  const tasks = prices.tasksPerMonth;
  const cents = (usd: number) => Math.round(usd * 100);
  const diff = cents(functions.total) - cents(tasks);
  return {
    workload,
    prices,
    tasks,
    functions,
    freeOrders: freeOrders(workload, prices),
    breakEvenOrders: breakEvenOrders(workload, prices),
    cheaper: diff < 0 ? 'functions' : diff > 0 ? 'tasks' : 'equal',
  };
}

/** Orders per month before either free allowance runs out. */
export function freeOrders(workload: Omit<Workload, 'ordersPerMonth'>, prices: Prices = STUDY_PRICES): number {
  const perOrder = gbSecondsPerOrder(workload);
  return Math.min(prices.freeRequests, perOrder > 0 ? prices.freeGbSeconds / perOrder : Infinity);
}

/**
 * The monthly volume at which functions cost `prices.tasksPerMonth`. The function
 * cost is piecewise linear in the volume, bending where each free allowance runs
 * out, so the answer is found segment by segment.
 */
export function breakEvenOrders(workload: Omit<Workload, 'ordersPerMonth'>, prices: Prices = STUDY_PRICES): number {
  const target = prices.tasksPerMonth;
  if (target <= 0) return 0;
  const perOrder = gbSecondsPerOrder(workload);
  const bends = [prices.freeRequests, perOrder > 0 ? prices.freeGbSeconds / perOrder : Infinity]
    .filter((n) => Number.isFinite(n) && n > 0)
    .sort((a, b) => a - b);
  // Price of one more order at a volume: each allowance, once used up, adds its price.
  const slopeAt = (orders: number) =>
    (orders > prices.freeRequests ? prices.perMillionRequests / 1_000_000 : 0) +
    (orders * perOrder > prices.freeGbSeconds ? perOrder * prices.perGbSecond : 0);
  let start = 0;
  for (const end of [...bends, Infinity]) {
    const slope = slopeAt(Number.isFinite(end) ? (start + end) / 2 : start + 1);
    if (slope > 0) {
      const atStart = functionCost({ ...workload, ordersPerMonth: start }, prices).total;
      const orders = start + (target - atStart) / slope;
      if (orders <= end) return orders;
    }
    start = end;
  }
  return Infinity;
}

function gbSecondsPerOrder(workload: Omit<Workload, 'ordersPerMonth'>): number {
  return workload.durationSeconds * (workload.memoryMb / 1024);
}

function validate(workload: Workload, prices: Prices): void {
  const fields: Array<[string, number]> = [
    ['orders', workload.ordersPerMonth],
    ['duration', workload.durationSeconds],
    ['memory', workload.memoryMb],
    ...Object.entries(prices),
  ];
  for (const [name, value] of fields) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number ≥ 0, got ${value}`);
  }
}
