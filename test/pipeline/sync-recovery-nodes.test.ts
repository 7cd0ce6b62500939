import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { ScaledClock } from '../../src/core/clock.js';
import { Notifier } from '../../src/core/notifier.js';
import { newOrder, type Order } from '../../src/core/order.js';
import type { NodeInfo } from '../../src/core/ports.js';
import { SyncRecovery } from '../../src/core/sync-recovery.js';
import { SimulatedGateway } from '../../src/payment/simulated-gateway.js';
import { PostgresDatabase } from '../../src/postgres/database.js';
import { PostgresOrderStore } from '../../src/postgres/order-store.js';
import { PostgresOutbox } from '../../src/postgres/outbox.js';
import { PostgresPaymentLedger } from '../../src/postgres/payment-ledger.js';
import { notifierOptions } from '../../src/service/options.js';
import { sampleOrder } from '../support/orders.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/service.js';

const probe = await probePostgres();
const SCAN_MS = 10_000; // simulated; 100 ms real at this scale

describe('sync recovery across nodes sharing PostgreSQL', { skip: probe.skip }, () => {
  const logger = pino({ level: 'silent' });
  const clock = new ScaledClock(0.01);
  let db: TestDatabase;
  let database: PostgresDatabase;
  const sweepers: SyncRecovery[] = [];

  before(async () => {
    db = await createTestDatabase('flashsale_nodes');
    database = new PostgresDatabase({ logger }, { ...DEFAULT_CONFIG.postgres, url: db.url });
    await database.init();
  });
  after(async () => {
    for (const sweeper of sweepers) await sweeper.stop(1000);
    await database?.close();
    await db?.drop();
  });

  test('orders of a node that fell silent are settled from the ledger; a live node’s are left alone', async () => {
    const store = new PostgresOrderStore({ database, outbox: new PostgresOutbox({ database }) });
    const ledger = new PostgresPaymentLedger({ database });
    const gateway = new SimulatedGateway({ clock, ledger }, { ...DEFAULT_CONFIG.payment, latencyMs: 3000, slots: 0 });
    const notifier = new Notifier({ store, clock, logger }, notifierOptions(DEFAULT_CONFIG));
    const node = (id: string): NodeInfo => ({ id, role: 'api', startedAt: clock.now() });
    const syncOrder = async (owner: string, customer: number): Promise<Order> => {
      const order = newOrder(sampleOrder(customer), randomUUID(), 'sync', clock.now());
      await store.accept({ order, publish: false, owner });
      return order;
    };
    const sweeper = (info: NodeInfo, isPaying: (id: string) => boolean) => {
      const recovery = new SyncRecovery(
        { store, gateway, notifier, clock, logger, node: info, isPaying },
        { scanIntervalMs: SCAN_MS, soleNode: false },
      );
      sweepers.push(recovery);
      return recovery;
    };

    // The dead node registered, took two orders, paid one of them, and stopped heart-beating.
    const dead = node('dead');
    await store.heartbeat(dead, clock.now());
    const charged = await syncOrder(dead.id, 9001);
    await gateway.charge({ orderId: charged.order_id, amount: charged.total });
    const unpaid = await syncOrder(dead.id, 9002);
    // A live node is still paying its order.
    const live = sweeper(node('live'), () => true);
    await live.start();
    const paying = await syncOrder('live', 9003);

    const survivor = sweeper(node('survivor'), () => false);
    await survivor.start();
    // Its own order that it no longer pays (the store refused its settle, say): the survivor settles it too.
    const abandoned = await syncOrder('survivor', 9004);
    const settled = async (id: string) => {
      const order = await store.get(id);
      return order && order.status !== 'processing' ? order : undefined;
    };
    const completed = await waitFor(() => settled(charged.order_id), { message: 'the charged order settled' });
    const failed = await waitFor(() => settled(unpaid.order_id), { message: 'the unpaid order settled' });
    const own = await waitFor(() => settled(abandoned.order_id), { message: 'its own unpaid order settled' });
    assert.equal(own.failure_code, 'interrupted');
    assert.equal(completed.status, 'completed', 'charged before its node died: completed');
    assert.equal(failed.status, 'failed');
    assert.equal(failed.failure_code, 'interrupted');
    assert.equal((await ledger.find(unpaid.order_id))?.result.status, 'voided');
    assert.equal(await ledger.count(), 1, 'no second charge');
    for (const id of [charged.order_id, unpaid.order_id]) {
      assert.equal((await store.notifications({ orderId: id })).length, 1, `order ${id} notified once`);
    }

    // Several intervals later the live node's order is still its own.
    const scans = survivor.stats().scans;
    await waitFor(() => survivor.stats().scans >= scans + 3, { message: 'three more scans' });
    assert.equal((await store.get(paying.order_id))?.status, 'processing');
    const stats = survivor.stats();
    assert.equal(stats.completed + stats.failed + live.stats().completed + live.stats().failed, 3);
    assert.ok(stats.failed >= 1, 'the survivor settled its own');
    assert.equal(stats.errors, 0);
  });
});
