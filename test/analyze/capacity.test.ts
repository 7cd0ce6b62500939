/** `flashsale analyze` reproduces the study's arithmetic. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeCapacity } from '../../src/analyze/capacity.js';
import { flashsale } from '../loadtest/support/cli.js';

const close = (actual: number, expected: number, digits = 3) =>
  assert.ok(Math.abs(actual - expected) < 10 ** -digits, `${actual} ≠ ${expected}`);

test('one 3 s payment slot: 0.333 orders/s, 20/min, 1,200/h; 180 workers for 60 orders/s', () => {
  const a = analyzeCapacity(); // the study's defaults
  close(a.capacityPerS, 0.333);
  assert.equal(a.capacityPerMin, 20);
  assert.equal(a.capacityPerHour, 1200);
  assert.equal(a.minWorkers, 180);
  assert.equal(a.boundBy, 'slots');
  close(a.deficitPerS, 59.667);
  close(a.queueGrowthPerS, 59.667);
  assert.equal(a.ordersInSale, 216_000);
  close(a.backlogAtEnd, 214_800, 6);
  close(a.drainS, 644_400, 6); // 179 hours at 0.333/s
  close(a.syncFailureRate, 1 - 1 / 180, 9);
  assert.equal(a.syncPositionsPerSlot, 3); // 3 s, 6 s, 9 s fit in 10 s; the 4th request times out
});

test('the seed’s own deficit: 20 orders/s against 0.33/s leaves 19.67/s unprocessed', () => {
  close(analyzeCapacity({ demandPerS: 20 }).deficitPerS, 19.667);
});

test('workers, slots and the tighter of the two', () => {
  const workers = analyzeCapacity({ slots: null, workers: 100 });
  close(workers.capacityPerS, 33.333);
  assert.equal(workers.boundBy, 'workers');
  close(workers.backlogAtEnd, (60 - 100 / 3) * 3600, 6);
  close(workers.drainS, workers.backlogAtEnd / (100 / 3), 6);

  const shared = analyzeCapacity({ slots: 1, workers: 20 });
  close(shared.capacityPerS, 1 / 3);
  assert.match(shared.notes.join('\n'), /20 workers share 1 payment slot/);

  const enough = analyzeCapacity({ slots: null, workers: 180 });
  assert.equal(enough.deficitPerS, 0);
  assert.equal(enough.backlogAtEnd, 0);
  assert.equal(enough.drainS, 0);
  assert.equal(enough.syncFailureRate, 0);

  const unlimited = analyzeCapacity({ slots: null, workers: null });
  assert.equal(unlimited.capacityPerS, Number.POSITIVE_INFINITY);
  assert.equal(unlimited.boundBy, 'nothing');
  assert.equal(unlimited.deficitPerS, 0);
});

test('a backlog that never drains, and a timeout shorter than a payment', () => {
  const never = analyzeCapacity({ afterDemandPerS: 1 });
  assert.equal(never.drainS, Number.POSITIVE_INFINITY);
  const hopeless = analyzeCapacity({ timeoutS: 2 });
  assert.equal(hopeless.syncFailureRate, 1);
  assert.throws(() => analyzeCapacity({ latencyS: 0 }), /latency/);
});

test('flashsale analyze prints the table and JSON', async () => {
  const text = await flashsale(['analyze']);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /capacity per second\s+0\.333 orders\/s/);
  assert.match(text.stdout, /capacity per hour\s+1,200 orders\/h/);
  assert.match(text.stdout, /minimum workers that keep up\s+180/);
  assert.match(text.stdout, /backlog at the end of the sale\s+214,800 orders/);

  const json = await flashsale(['analyze', '--json', '--latency', '3000ms', '--slots', '0', '--workers', '20']);
  assert.equal(json.code, 0);
  const figures = JSON.parse(json.stdout) as { capacityPerS: number; minWorkers: number; params: { slots: null } };
  close(figures.capacityPerS, 20 / 3);
  assert.equal(figures.minWorkers, 180);
  assert.equal(figures.params.slots, null);

  const bad = await flashsale(['analyze', '--demand', 'lots']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--demand: cannot read rate "lots"/);
});
