import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { PaymentError } from '../../src/core/errors.js';
import { HttpGateway } from '../../src/payment/http-gateway.js';
import type { SimulatedGatewayOptions } from '../../src/payment/simulated-gateway.js';
import { type RunningGateway, startNode } from '../../src/service/node.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { SqlitePaymentLedger } from '../../src/sqlite/payment-ledger.js';
import { getJson, postJson } from '../support/orders.js';
import { tempDir } from '../support/service.js';
import { gatewayContract, PROVIDER } from './gateway-contract.js';

const logger = pino({ level: 'silent' });

/** A `flashsale gateway` started in-process on a SQLite ledger; 3 s payments at a scale of 0.05 take 150 ms. */
async function gatewayNode(slots = PROVIDER.slots) {
  const { dir, cleanup } = tempDir('flashsale-gateway-');
  const path = join(dir, 'gateway.db');
  const server = await startNode('gateway', {
    host: '127.0.0.1',
    port: 0,
    timeScale: 0.05,
    dbPath: path,
    logLevel: 'silent',
    payment: { ...PROVIDER, slots },
  });
  const clients: HttpGateway[] = [];
  const client = async (url = server.url) => {
    const c = new HttpGateway({ logger }, { url, statsRefreshMs: 0 });
    await c.init();
    clients.push(c);
    return c;
  };
  const close = async () => {
    for (const c of clients) await c.close();
    await server.close();
    cleanup();
  };
  return { server, path, client, close };
}

/** The operator's knob, PUT /config, in its wire names. */
async function configure(server: RunningGateway, change: Partial<SimulatedGatewayOptions>) {
  const wire = {
    latency_ms: change.latencyMs,
    jitter_ms: change.jitterMs,
    slots: change.slots,
    decline_rate: change.declineRate,
    error_rate: change.errorRate,
  };
  const response = await fetch(`${server.url}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(wire),
  });
  assert.equal(response.status, 200, await response.text());
}

// Clients as other processes hold them, the gateway's ledger read through its own connection to the file.
gatewayContract('HttpGateway (a flashsale gateway over HTTP)', async () => {
  const { server, path, client, close } = await gatewayNode();
  const database = new SqliteDatabase({ path });
  const ledger = new SqlitePaymentLedger({ database });
  return {
    gateway: await client(),
    caller: () => client(),
    configure: (change) => configure(server, change),
    underWay: async () =>
      (await getJson<{ payments: { in_flight: number } }>(`${server.url}/stats`)).body.payments.in_flight,
    recorded: (orderId) => ledger.find(orderId),
    cleanup: async () => {
      await database.close();
      await close();
    },
  };
});

describe('HttpGateway: what only the network adds', () => {
  let node: Awaited<ReturnType<typeof gatewayNode>>;
  before(async () => {
    node = await gatewayNode(1);
  });
  after(() => node?.close());

  test('clients of different processes share the one slot: their payments run one at a time', async () => {
    const [a, b] = [await node.client(), await node.client()];
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
  });

  test('an unreachable gateway is a retryable PaymentError, for a charge and for a void', async () => {
    const nowhere = await node.client('http://127.0.0.1:1');
    await assert.rejects(nowhere.charge({ orderId: 'x', amount: 1 }), (e) => e instanceof PaymentError && e.retryable);
    await assert.rejects(nowhere.voidUnlessCharged('x'), (e) => e instanceof PaymentError && e.retryable);
  });

  test('a charge the gateway cannot read is a 400 naming the field, and nothing is paid', async () => {
    const executed = async () =>
      (await getJson<{ payments: { executed: number } }>(`${node.server.url}/stats`)).body.payments.executed;
    const before = await executed();
    const bad = await postJson<{ message: string }>(`${node.server.url}/charges`, { order_id: '', amount: -1 });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /order_id|amount/);
    assert.equal(await executed(), before);
  });
});
