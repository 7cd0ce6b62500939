import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { isAbortError } from '../../src/core/clock.js';
import { PaymentError } from '../../src/core/errors.js';
import {
  type GatewayStats,
  type LedgerEntry,
  type PaymentGateway,
  type PaymentResult,
  VOIDED_REASON,
} from '../../src/core/ports.js';
import type { SimulatedGatewayOptions } from '../../src/payment/simulated-gateway.js';
import { waitFor } from '../support/service.js';

export interface GatewayFixture {
  /** The gateway under test. */
  gateway: PaymentGateway;
  /** Another caller of the same provider: another process's client, or the same object in-process. */
  caller(): Promise<PaymentGateway>;
  /** Changes the provider's behaviour at run time (the operator's knob). */
  configure(change: Partial<SimulatedGatewayOptions>): Promise<void>;
  /** Payments the provider is carrying out now (a client's own count may include calls still on their way). */
  underWay(): Promise<number>;
  /** What the provider's ledger holds for an order. */
  recorded(orderId: string): Promise<LedgerEntry | undefined>;
  cleanup(): Promise<void>;
}

/** What every fixture starts with: a 3 s payment (at the fixture's time scale), slots unlimited, nothing failing. */
export const PROVIDER: SimulatedGatewayOptions = {
  latencyMs: 3000,
  jitterMs: 0,
  slots: 0,
  declineRate: 0,
  errorRate: 0,
};

/**
 * The PaymentGateway contract, in process and over HTTP: a charge is made
 * once per order id (a repeat returns the first result, a charge in progress
 * is joined), declines are results and provider errors retryable failures, a
 * caller that gives up before its payment started is charged nothing, a void
 * closes an order for good, and stats() counts payments carried out.
 */
export function gatewayContract(name: string, factory: () => Promise<GatewayFixture>) {
  describe(`PaymentGateway contract: ${name}`, () => {
    const fixtures: GatewayFixture[] = [];
    after(async () => {
      for (const f of fixtures) await f.cleanup();
    });
    const open = async () => {
      const f = await factory();
      fixtures.push(f);
      return f;
    };
    /** Stats may be read from another process: they are waited for, not read once. */
    const statsReach = (gateway: PaymentGateway, expected: Partial<GatewayStats>) =>
      waitFor(
        () => {
          const stats = gateway.stats();
          return Object.entries(expected).every(([key, value]) => stats[key as keyof GatewayStats] === value);
        },
        { message: `stats to reach ${JSON.stringify(expected)}: ${JSON.stringify(gateway.stats())}` },
      );

    test('a charge is approved and recorded; a repeat returns the first result without paying again', async () => {
      const f = await open();
      const first = await f.gateway.charge({ orderId: 'once', amount: 29.99 });
      assert.equal(first.status, 'approved');
      assert.ok(first.status === 'approved' && first.chargeId.length > 0);
      const again = await (await f.caller()).charge({ orderId: 'once', amount: 29.99 });
      assert.deepEqual(again, first);
      assert.deepEqual(await f.recorded('once'), { orderId: 'once', amount: 29.99, result: first });
      await statsReach(f.gateway, { executed: 1, approved: 1 });
    });

    test('a charge of an order already in progress is joined: both callers get one payment', async () => {
      const f = await open();
      const other = await f.caller();
      const results = await Promise.all([
        f.gateway.charge({ orderId: 'joined', amount: 10 }),
        other.charge({ orderId: 'joined', amount: 10 }),
        f.gateway.charge({ orderId: 'joined', amount: 10 }),
      ]);
      assert.deepEqual(results[1], results[0]);
      assert.deepEqual(results[2], results[0]);
      await statsReach(f.gateway, { executed: 1 });
    });

    test('a decline is a result, recorded; a provider error is a retryable PaymentError, nothing recorded', async () => {
      const f = await open();
      await f.configure({ declineRate: 1 });
      const declined = await f.gateway.charge({ orderId: 'declined', amount: 10 });
      assert.equal(declined.status, 'declined');
      assert.ok(declined.status === 'declined' && declined.reason.length > 0);
      assert.deepEqual((await f.recorded('declined'))?.result, declined);

      await f.configure({ declineRate: 0, errorRate: 1 });
      await assert.rejects(
        f.gateway.charge({ orderId: 'failing', amount: 10 }),
        (error) => error instanceof PaymentError && error.retryable,
      );
      assert.equal(await f.recorded('failing'), undefined);
      await f.configure({ errorRate: 0 });
      // Retried once the provider recovers, the order is paid.
      assert.equal((await f.gateway.charge({ orderId: 'failing', amount: 10 })).status, 'approved');
      await statsReach(f.gateway, { executed: 2, approved: 1, declined: 1, errors: 1 });
    });

    test('a caller that gives up while waiting for a slot is charged nothing; one under way is paid', async () => {
      const f = await open();
      await f.configure({ slots: 1 });
      const busy = f.gateway.charge({ orderId: 'hog', amount: 1 });
      await waitFor(async () => (await f.underWay()) === 1, { message: 'a payment under way' });
      const controller = new AbortController();
      const waiting = f.gateway.charge({ orderId: 'impatient', amount: 1 }, controller.signal);
      await statsReach(f.gateway, { waiting: 1 });
      controller.abort();
      await assert.rejects(waiting, (error) => isAbortError(error));
      assert.equal((await busy).status, 'approved');
      assert.equal(await f.recorded('impatient'), undefined);
      await statsReach(f.gateway, { executed: 1, waiting: 0 });
      const late = new AbortController();
      late.abort();
      await assert.rejects(f.gateway.charge({ orderId: 'late', amount: 1 }, late.signal), (e) => isAbortError(e));
      assert.equal(await f.recorded('late'), undefined);
    });

    test('with one slot, payments wait their turn: stats show the slot and the payments waiting for it', async () => {
      const f = await open();
      await f.configure({ slots: 1 });
      const paying = ['turn-1', 'turn-2', 'turn-3'].map((orderId) => f.gateway.charge({ orderId, amount: 1 }));
      await statsReach(f.gateway, { slots: 1, waiting: 2, latencyMs: PROVIDER.latencyMs });
      assert.deepEqual(
        (await Promise.all(paying)).map((r) => r.status),
        ['approved', 'approved', 'approved'],
      );
      await statsReach(f.gateway, { executed: 3, waiting: 0 });
    });

    test('a void bars every later charge of an order never paid; a repeated void returns the first', async () => {
      const f = await open();
      const voided = await f.gateway.voidUnlessCharged('never');
      assert.equal(voided.status, 'voided');
      assert.deepEqual(await (await f.caller()).voidUnlessCharged('never'), voided);
      const refused = await f.gateway.charge({ orderId: 'never', amount: 10 });
      assert.deepEqual(refused, {
        status: 'declined',
        reason: VOIDED_REASON,
        chargedAt: voided.status === 'voided' ? voided.voidedAt : 0,
      });
      assert.deepEqual((await f.recorded('never'))?.result, voided);
      await statsReach(f.gateway, { executed: 0 });
    });

    test('a void waits for a charge under way and returns it; a paid or declined order keeps its result', async () => {
      const f = await open();
      const paying = f.gateway.charge({ orderId: 'paying', amount: 5 });
      await waitFor(async () => (await f.underWay()) === 1, { message: 'a payment under way' });
      assert.ok(f.gateway.stats().inFlight >= 1, 'stats show the charge in flight');
      const closed = await (await f.caller()).voidUnlessCharged('paying');
      assert.equal(closed.status, 'approved');
      assert.deepEqual(closed, await paying);

      await f.configure({ declineRate: 1 });
      const declined = (await f.gateway.charge({ orderId: 'refused', amount: 5 })) as PaymentResult;
      assert.deepEqual(await f.gateway.voidUnlessCharged('refused'), declined);
      assert.deepEqual(await f.gateway.voidUnlessCharged('paying'), closed);
    });
  });
}
