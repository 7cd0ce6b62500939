import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { isAbortError } from '../../src/core/clock.js';
import { PaymentError } from '../../src/core/errors.js';
import { VOIDED_REASON } from '../../src/core/ports.js';
import { HttpGateway } from '../../src/payment/http-gateway.js';
import { type RunningGateway, startNode } from '../../src/service/node.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { SqlitePaymentLedger } from '../../src/sqlite/payment-ledger.js';
import { tempDir, waitFor } from '../support/service.js';

const logger = pino({ level: 'silent' });

describe('payment gateway over HTTP', () => {
  let dir: ReturnType<typeof tempDir>;
  let server: RunningGateway;
  const clients: HttpGateway[] = [];

  before(async () => {
    dir = tempDir('flashsale-gateway-');
    // 3 s payments at a scale of 0.05 take 150 ms; one slot, as the study's provider.
    server = await startNode('gateway', {
      host: '127.0.0.1',
      port: 0,
      timeScale: 0.05,
      dbPath: join(dir.dir, 'gateway.db'),
      logLevel: 'silent',
      payment: { slots: 1 },
    });
  });
  after(async () => {
    for (const client of clients) await client.close();
    await server.close();
    dir.cleanup();
  });

  async function client(url = server.url) {
    const c = new HttpGateway({ logger }, { url, statsRefreshMs: 0 });
    await c.init();
    clients.push(c);
    return c;
  }

  async function ledgerRows(orderId?: string) {
    const database = new SqliteDatabase({ path: join(dir.dir, 'gateway.db') });
    try {
      const ledger = new SqlitePaymentLedger({ database });
      return {
        count: await ledger.count(),
        duplicates: await ledger.duplicates(),
        entry: orderId ? await ledger.find(orderId) : undefined,
      };
    } finally {
      await database.close();
    }
  }

  test('clients in different processes share the slot: payments run one at a time', async () => {
    const [a, b] = [await client(), await client()];
    const started = performance.now();
    const results = await Promise.all([
      a.charge({ orderId: 'slot-1', amount: 29.99 }),
      b.charge({ orderId: 'slot-2', amount: 49.99 }),
      a.charge({ orderId: 'slot-3', amount: 99.99 }),
    ]);
    const elapsed = performance.now() - started;
    assert.deepEqual(
      results.map((r) => r.status),
      ['approved', 'approved', 'approved'],
    );
    assert.ok(elapsed >= 3 * 150 * 0.95, `three payments through one slot took only ${Math.round(elapsed)} ms`);
    const stats = a.stats();
    assert.equal(stats.slots, 1);
    assert.equal(stats.latencyMs, 3000);
  });

  test('the same order charged by two clients at once is paid once, and both get the same charge', async () => {
    const [a, b] = [await client(), await client()];
    const [first, second] = await Promise.all([
      a.charge({ orderId: 'twice-1', amount: 10 }),
      b.charge({ orderId: 'twice-1', amount: 10 }),
    ]);
    assert.deepEqual(first, second);
    const again = await b.charge({ orderId: 'twice-1', amount: 10 });
    assert.deepEqual(again, first);
    const rows = await ledgerRows('twice-1');
    assert.equal(rows.duplicates, 0);
    assert.deepEqual(rows.entry?.result, first);
  });

  test('a caller that gives up while waiting for the slot is not charged', async () => {
    const c = await client();
    const busy = c.charge({ orderId: 'hog', amount: 1 });
    await waitFor(async () => (await (await fetch(`${server.url}/stats`)).json()).payments.in_flight === 1);
    const controller = new AbortController();
    const waiting = c.charge({ orderId: 'impatient', amount: 1 }, controller.signal);
    await waitFor(async () => (await (await fetch(`${server.url}/stats`)).json()).payments.waiting === 1);
    controller.abort();
    await assert.rejects(waiting, (error) => isAbortError(error));
    await busy;
    assert.equal((await ledgerRows('impatient')).entry, undefined);
  });

  test('provider errors and an unreachable gateway are retryable payment errors', async () => {
    const c = await client();
    const configured = await fetch(`${server.url}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error_rate: 1 }),
    });
    assert.equal(configured.status, 200);
    try {
      await assert.rejects(c.charge({ orderId: 'err-1', amount: 1 }), (e) => e instanceof PaymentError && e.retryable);
    } finally {
      await fetch(`${server.url}/config`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error_rate: 0 }),
      });
    }
    const nowhere = await client('http://127.0.0.1:1');
    await assert.rejects(nowhere.charge({ orderId: 'x', amount: 1 }), (e) => e instanceof PaymentError && e.retryable);
    const bad = await fetch(`${server.url}/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ order_id: '', amount: -1 }),
    });
    assert.equal(bad.status, 400);
  });

  test('a void over HTTP waits for the charge under way, and bars any charge of an order never paid', async () => {
    const [payer, recovering] = [await client(), await client()];
    const paying = payer.charge({ orderId: 'void-paying', amount: 5 });
    await waitFor(async () => (await (await fetch(`${server.url}/stats`)).json()).payments.in_flight === 1);
    assert.deepEqual(await recovering.voidUnlessCharged('void-paying'), await paying);

    const charges = (await ledgerRows()).count;
    const voided = await recovering.voidUnlessCharged('void-never');
    assert.equal(voided.status, 'voided');
    const refused = await payer.charge({ orderId: 'void-never', amount: 5 });
    assert.deepEqual(refused, {
      status: 'declined',
      reason: VOIDED_REASON,
      chargedAt: voided.status === 'voided' ? voided.voidedAt : 0,
    });
    const rows = await ledgerRows('void-never');
    assert.deepEqual(rows.entry?.result, voided);
    assert.equal(rows.count, charges, 'a void is not a charge, and the refused charge paid nothing');
    const nowhere = await client('http://127.0.0.1:1');
    await assert.rejects(nowhere.voidUnlessCharged('x'), (e) => e instanceof PaymentError && e.retryable);
  });
});
