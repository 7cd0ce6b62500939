import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { ScaledClock } from '../../src/core/clock.js';
import { type LedgerResult, type PaymentLedger, type PaymentResult, VOIDED_REASON } from '../../src/core/ports.js';
import { SimulatedGateway } from '../../src/payment/simulated-gateway.js';
import { PostgresDatabase } from '../../src/postgres/database.js';
import { PostgresPaymentLedger } from '../../src/postgres/payment-ledger.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { SqlitePaymentLedger } from '../../src/sqlite/payment-ledger.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { tempDir, waitFor } from '../support/service.js';

// 0.1: a 1.5 s step is 150 real ms, far more than a loaded machine's timer lag.
const clock = new ScaledClock(0.1);
const logger = pino({ level: 'silent' });
const probe = await probePostgres();

interface Ledgers {
  /** Two ledgers on one storage, as two processes would hold them. */
  open(): Promise<[PaymentLedger, PaymentLedger]>;
  close(): Promise<void>;
}

/** The void of an interrupted charge, on every ledger: it never lands beside a payment of the same order. */
function voidContract(name: string, setup: () => Promise<Ledgers>, skip: string | false = false) {
  describe(`voidUnlessCharged: ${name}`, { skip }, () => {
    let ledgers: Ledgers;
    let run = 0;
    before(async () => {
      ledgers = await setup();
    });
    after(async () => ledgers?.close());

    const gateways = async (options: { declineRate?: number; jitterMs?: number } = {}) => {
      const [a, b] = await ledgers.open();
      const settings = { ...DEFAULT_CONFIG.payment, latencyMs: 3000, slots: 0, ...options };
      return [
        new SimulatedGateway({ clock, ledger: a }, settings),
        new SimulatedGateway({ clock, ledger: b }, settings),
      ];
    };
    const id = (label: string) => `${label}-${++run}`;

    test('an order never charged is voided, and every later charge of it is declined without paying', async () => {
      const [gateway] = await gateways();
      const order = id('never');
      const voided = await gateway?.voidUnlessCharged(order);
      assert.equal(voided?.status, 'voided');
      assert.deepEqual(await gateway?.voidUnlessCharged(order), voided, 'a second void returns the first');
      const charge = await gateway?.charge({ orderId: order, amount: 10 });
      assert.equal(charge?.status, 'declined');
      assert.equal(charge?.status === 'declined' && charge.reason, VOIDED_REASON);
      assert.equal(gateway?.stats().executed, 0);
      const [ledger] = await ledgers.open();
      assert.deepEqual((await ledger.find(order))?.result, voided);
    });

    test('a charge under way is waited for, and its result returned', async () => {
      const [gateway] = await gateways();
      const order = id('paying');
      const paying = gateway?.charge({ orderId: order, amount: 10 });
      await waitFor(() => gateway?.stats().inFlight === 1, { message: 'payment under way' });
      const closed = await gateway?.voidUnlessCharged(order);
      assert.equal(closed?.status, 'approved');
      assert.deepEqual(closed, await paying);
    });

    test('a charged or declined order keeps its result', async () => {
      const [approving] = await gateways();
      const [declining] = await gateways({ declineRate: 1 });
      for (const gateway of [approving, declining]) {
        const order = id('done');
        const result = await gateway?.charge({ orderId: order, amount: 10 });
        assert.deepEqual(await gateway?.voidUnlessCharged(order), result);
      }
    });

    test('a void and a charge of one order from two processes at once: exactly one lands', async () => {
      const [payer, voider] = await gateways({ jitterMs: 3000 });
      const orders = Array.from({ length: 20 }, () => id('race'));
      const [ledger] = await ledgers.open();
      const before = await ledger.count();
      const outcomes = await Promise.all(
        orders.map(async (order, i) => {
          const paid = payer?.charge({ orderId: order, amount: 10 }) as Promise<PaymentResult>;
          // Voids spread from before any payment can end (3 s) to after the last has (6 s): some
          // come before the record and some after it, with a margin a busy machine's timers keep.
          await clock.sleep((i % 10) * 1500);
          const closed = (await voider?.voidUnlessCharged(order)) as LedgerResult;
          return { paid: await paid, closed };
        }),
      );
      let charged = 0;
      for (const { paid, closed } of outcomes) {
        if (closed.status === 'voided') {
          assert.deepEqual(paid, { status: 'declined', reason: VOIDED_REASON, chargedAt: closed.voidedAt });
        } else {
          assert.deepEqual(closed, paid);
          charged++;
        }
      }
      assert.ok(charged > 0 && charged < orders.length, `${charged} of ${orders.length} charged: both sides won some`);
      assert.equal(await ledger.count(), before + charged, 'count() counts charges, not voids');
      assert.equal(await ledger.duplicates(), 0);
    });
  });
}

voidContract('SQLite ledger', async () => {
  const { dir, cleanup } = tempDir('flashsale-void-');
  const databases: SqliteDatabase[] = [];
  const open = () => {
    const database = new SqliteDatabase({ path: join(dir, 'ledger.db') });
    databases.push(database);
    return new SqlitePaymentLedger({ database });
  };
  return {
    open: async () => [open(), open()],
    close: async () => {
      for (const database of databases) await database.close();
      cleanup();
    },
  };
});

voidContract(
  'PostgreSQL ledger',
  async () => {
    const db: TestDatabase = await createTestDatabase('flashsale_void');
    const databases: PostgresDatabase[] = [];
    const open = async () => {
      const database = new PostgresDatabase({ logger }, { ...DEFAULT_CONFIG.postgres, url: db.url });
      await database.init();
      databases.push(database);
      return new PostgresPaymentLedger({ database });
    };
    return {
      open: async () => [await open(), await open()],
      close: async () => {
        for (const database of databases) await database.close();
        await db.drop();
      },
    };
  },
  probe.skip,
);
