/**
 * The seed's business-impact estimate: of the orders a flash-sale hour should
 * bring, the failure share is lost; at an average order value that is revenue
 * per hour, per day of sales and per year of sales.
 */
import type { RunView } from './view.js';

export interface BusinessAssumptions {
  /** Average order value, $. Default 50 (the seed). */
  orderValue: number;
  /** Orders expected per flash-sale hour. Default 1,800 (the seed). */
  ordersPerSaleHour: number;
  /** Flash sales per day. Default 4 (the seed). */
  salesPerDay: number;
  /** Flash sales per year. Default 48 (the seed). */
  salesPerYear: number;
}

export const SEED_BUSINESS: BusinessAssumptions = {
  orderValue: 50,
  ordersPerSaleHour: 1800,
  salesPerDay: 4,
  salesPerYear: 48,
};

export interface BusinessImpact {
  successRate: number;
  completedOrders: number;
  lostOrders: number;
  lostPerHour: number;
  lostPerDay: number;
  lostPerYear: number;
}

/** The estimate for a run's success rate (the seed multiplies the hourly loss by sales per day and per year). */
export function businessImpact(successRate: number, a: BusinessAssumptions): BusinessImpact {
  const completedOrders = a.ordersPerSaleHour * successRate;
  const lostOrders = a.ordersPerSaleHour - completedOrders;
  const lostPerHour = lostOrders * a.orderValue;
  return {
    successRate,
    completedOrders,
    lostOrders,
    lostPerHour,
    lostPerDay: lostPerHour * a.salesPerDay,
    lostPerYear: lostPerHour * a.salesPerYear,
  };
}

/** The run the headline figure comes from: the worst flash-sale run, else the worst run. */
export function headlineRun(runs: RunView[]): RunView | undefined {
  const flash = runs.filter((r) => r.scenario.startsWith('flash'));
  const pool = flash.length ? flash : runs;
  return [...pool].sort((a, b) => b.failureRate - a.failureRate)[0];
}

export function formatMoney(value: number): string {
  return `$${Math.round(value).toLocaleString('en-US')}`;
}
