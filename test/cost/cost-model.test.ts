import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { breakEvenOrders, compareCosts, freeOrders, functionCost, STUDY_PRICES } from '../../src/cost/cost-model.js';

const study = { durationSeconds: 3, memoryMb: 512 };

describe('cost model', () => {
  test("the study's example: 10,000 orders of 3 s at 512 MB cost nothing as functions", () => {
    const c = compareCosts({ ...study, ordersPerMonth: 10_000 });
    assert.equal(c.functions.requests, 10_000);
    assert.equal(c.functions.gbSeconds, 15_000);
    assert.equal(c.functions.billableRequests, 0);
    assert.equal(c.functions.billableGbSeconds, 0);
    assert.equal(c.functions.total, 0);
    assert.equal(c.tasks, 17);
    assert.equal(c.cheaper, 'functions');
  });

  test('the free tier covers ~267K orders of 3 s × 0.5 GB: the GB-seconds run out before the requests', () => {
    assert.equal(Math.round(freeOrders(study)), 266_667);
    assert.equal(functionCost({ ...study, ordersPerMonth: 266_666 }).total, 0);
    assert.ok(functionCost({ ...study, ordersPerMonth: 266_668 }).total > 0);
  });

  test('break-even against $17 of tasks: 1.5 N − 400,000 GB-s billed at $0.0000166667 equals $17', () => {
    const expected = (17 / 0.0000166667 + 400_000) / 1.5;
    const n = breakEvenOrders(study);
    assert.ok(Math.abs(n - expected) < 1e-6, `${n} vs ${expected}`);
    assert.equal(Math.round(n), 946_665);
    // Below the request allowance, so only compute is billed at that volume.
    assert.ok(n < STUDY_PRICES.freeRequests);
    assert.ok(Math.abs(functionCost({ ...study, ordersPerMonth: n }).total - 17) < 1e-9);
    assert.equal(compareCosts({ ...study, ordersPerMonth: 900_000 }).cheaper, 'functions');
    assert.equal(compareCosts({ ...study, ordersPerMonth: 1_000_000 }).cheaper, 'tasks');
  });

  test('past both allowances, requests and compute are billed together', () => {
    const c = functionCost({ ...study, ordersPerMonth: 5_000_000 });
    assert.equal(c.billableRequests, 4_000_000);
    assert.equal(c.billableGbSeconds, 7_100_000);
    assert.ok(Math.abs(c.requestCost - 0.8) < 1e-12);
    assert.ok(Math.abs(c.computeCost - 7_100_000 * 0.0000166667) < 1e-9);
    assert.ok(Math.abs(c.total - (c.requestCost + c.computeCost)) < 1e-12);
  });

  test('break-even on the last segment, when short light functions use up the request allowance first', () => {
    const light = { durationSeconds: 0.1, memoryMb: 128 };
    const n = breakEvenOrders(light);
    // The requests bill from 1M on, the compute from 32M on; $17 is only reached past both.
    assert.ok(n > 32_000_000, String(n));
    assert.ok(Math.abs(functionCost({ ...light, ordersPerMonth: n }).total - 17) < 1e-9);
  });

  test('break-even follows the prices given', () => {
    const prices = { ...STUDY_PRICES, tasksPerMonth: 34, freeRequests: 0, freeGbSeconds: 0 };
    const n = breakEvenOrders(study, prices);
    const perOrder = 0.2 / 1_000_000 + 1.5 * 0.0000166667;
    assert.ok(Math.abs(n - 34 / perOrder) < 1e-6);
    assert.equal(breakEvenOrders(study, { ...prices, perMillionRequests: 0, perGbSecond: 0 }), Infinity);
    assert.equal(breakEvenOrders(study, { ...prices, tasksPerMonth: 0 }), 0);
  });

  test('rejects negative or non-numeric inputs, naming them', () => {
    assert.throws(() => compareCosts({ ...study, ordersPerMonth: -1 }), /orders must be a number/);
    assert.throws(() => compareCosts({ ...study, ordersPerMonth: 1, memoryMb: Number.NaN }), /memory/);
    assert.throws(
      () => compareCosts({ ...study, ordersPerMonth: 1 }, { ...STUDY_PRICES, perGbSecond: -0.1 }),
      /perGbSecond/,
    );
  });
});
