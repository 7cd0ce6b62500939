import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { ScaledClock } from '../../src/core/clock.js';
import { type LedgerResult, type PaymentLedger, type PaymentResult, VOIDED_REASON } from '../../src/core/ports.js';
import { SimulatedGateway } from '../../src/payment/simulated-gateway.js';
import { fixtureScope } from './fixtures.js';

export interface LedgerFixture {
  /** Two ledgers on one storage, as two processes hold it. */
  ledgers: [PaymentLedger, PaymentLedger];
  cleanup(): Promise<void>;
}

export interface LedgerContractSettings {
  /** Started once before the suite (a database), stopped after it. */
  setup?: () => Promise<() => Promise<void>>;
  /** Skip the whole suite with this visible reason (a server that is not there). */
  skip?: string | false;
}

// 0.1: a 1.5 s step is 150 real ms, far more than a loaded machine's timer lag.
const clock = new ScaledClock(0.1);
const AT = 1_796_000_000_000;

const approved = (n: number): PaymentResult => ({ status: 'approved', chargeId: `ch_${n}`, chargedAt: AT + n });
const declined = (n: number): PaymentResult => ({ status: 'declined', reason: 'card declined', chargedAt: AT + n });

/**
 * The PaymentLedger contract: the provider's durable record, keyed by order
 * id. A payment recorded is found as it was written; a void holds an order
 * never charged so that no later payment of it lands; a void and a payment of
 * one order, from any two processes, never both land; count() counts
 * payments and duplicates() orders paid twice, never voids.
 */
export function ledgerContract(
  name: string,
  factory: () => Promise<LedgerFixture>,
  settings: LedgerContractSettings = {},
) {
  describe(`PaymentLedger contract: ${name}`, { skip: settings.skip || false }, () => {
    const make = fixtureScope(factory, settings);
    const open = async () => {
      const f = await make();
      await Promise.all(f.ledgers.map((l) => l.init()));
      return f.ledgers;
    };

    test('a payment recorded is found as written, by either process; an unknown order is undefined', async () => {
      const [a, b] = await open();
      assert.equal(await a.find('nobody'), undefined);
      assert.deepEqual(await a.record({ orderId: 'o-1', amount: 29.99, result: approved(1) }), approved(1));
      assert.deepEqual(await a.record({ orderId: 'o-2', amount: 99.99, result: declined(2) }), declined(2));
      assert.deepEqual(await b.find('o-1'), { orderId: 'o-1', amount: 29.99, result: approved(1) });
      assert.deepEqual(await b.find('o-2'), { orderId: 'o-2', amount: 99.99, result: declined(2) });
      assert.equal(await b.count(), 2, 'approved and declined payments both count');
      assert.equal(await b.duplicates(), 0);
    });

    test('an order paid twice counts twice and is one duplicate; find returns its first payment', async () => {
      const [a, b] = await open();
      await a.record({ orderId: 'twice', amount: 10, result: approved(1) });
      await b.record({ orderId: 'twice', amount: 10, result: approved(2) });
      await a.record({ orderId: 'once', amount: 10, result: approved(3) });
      assert.equal(await a.count(), 3);
      assert.equal(await a.duplicates(), 1);
      assert.deepEqual((await b.find('twice'))?.result, approved(1));
    });

    test('a void holds an order never paid: repeated, it returns the first void; a payment of it then does not land', async () => {
      const [a, b] = await open();
      const voided = await a.voidUnlessCharged('v-1', AT);
      assert.deepEqual(voided, { status: 'voided', voidedAt: AT });
      assert.deepEqual(await b.voidUnlessCharged('v-1', AT + 5), voided, 'a second void returns the first');
      assert.deepEqual(await b.record({ orderId: 'v-1', amount: 10, result: approved(1) }), voided);
      assert.deepEqual((await a.find('v-1'))?.result, voided);
      assert.equal(await a.count(), 0, 'a void is not a payment');
      assert.equal(await a.duplicates(), 0);
    });

    test('a void of an order already paid or declined returns that result and records nothing', async () => {
      const [a, b] = await open();
      await a.record({ orderId: 'paid', amount: 10, result: approved(1) });
      await a.record({ orderId: 'refused', amount: 10, result: declined(2) });
      assert.deepEqual(await b.voidUnlessCharged('paid', AT + 9), approved(1));
      assert.deepEqual(await b.voidUnlessCharged('refused', AT + 9), declined(2));
      assert.equal(await a.count(), 2);
      assert.deepEqual((await a.find('paid'))?.result, approved(1));
    });

    test('a void and a payment of one order from two processes at once: exactly one of them lands', async () => {
      const [a, b] = await open();
      const outcomes: Array<{ paid: LedgerResult; closed: LedgerResult; found?: LedgerResult }> = [];
      // One order at a time, both calls at once, each side starting first for half of them: on a
      // store that serializes writes both orders of arrival happen, on one that does not they race.
      for (let i = 0; i < 30; i++) {
        const orderId = `race-${i}`;
        const pay = () => a.record({ orderId, amount: 1, result: approved(i) });
        const close = () => b.voidUnlessCharged(orderId, AT);
        const [paid, closed] =
          i % 2 === 0 ? await Promise.all([pay(), close()]) : (await Promise.all([close(), pay()])).reverse();
        outcomes.push({
          paid: paid as LedgerResult,
          closed: closed as LedgerResult,
          found: (await a.find(orderId))?.result,
        });
      }
      let charged = 0;
      for (const { paid, closed, found } of outcomes) {
        assert.deepEqual(paid, closed, 'both callers are told what holds');
        assert.deepEqual(found, closed);
        if (closed.status !== 'voided') charged++;
      }
      assert.ok(charged > 0 && charged < outcomes.length, `${charged} of ${outcomes.length} paid: both sides won some`);
      assert.equal(await a.count(), charged);
      assert.equal(await a.duplicates(), 0);
    });

    test('two processes paying and voiding through their gateways: a void never lands beside a payment', async () => {
      const [a, b] = await open();
      const settings = { ...DEFAULT_CONFIG.payment, latencyMs: 3000, slots: 0, jitterMs: 3000 };
      const payer = new SimulatedGateway({ clock, ledger: a }, settings);
      const voider = new SimulatedGateway({ clock, ledger: b }, settings);
      const orders = Array.from({ length: 20 }, (_, i) => `gateways-${i}`);
      const outcomes = await Promise.all(
        orders.map(async (orderId, i) => {
          const paid = payer.charge({ orderId, amount: 10 });
          // Voids spread from before any payment can end (3 s) to after the last has (6 s): some
          // come before the record and some after it, with a margin a busy machine's timers keep.
          await clock.sleep((i % 10) * 1500);
          const closed = await voider.voidUnlessCharged(orderId);
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
      assert.equal(await a.count(), charged, 'count() counts charges, not voids');
      assert.equal(payer.stats().executed, charged);
      assert.equal(await a.duplicates(), 0);
    });
  });
}
