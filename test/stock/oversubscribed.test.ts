import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { getJson, postJson } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

const services: TestService[] = [];
after(async () => {
  for (const service of services) await service.stop();
});

const FLASH = { product_id: 'FLASH-001', quantity: 1, price: 29.99 };

async function sale(overrides: Parameters<typeof startTestService>[0] = {}) {
  const service = await startTestService({
    timeScale: 0.002,
    workers: 32,
    payment: { latencyMs: 3000, slots: 0 },
    ...overrides,
  });
  services.push(service);
  return service;
}

/** Every sku's counters against the orders; throws on any drift. */
async function assertInvariant(service: TestService, when: string) {
  const audit = await service.catalog!.audit();
  assert.ok(audit.clean, `${when}: ${JSON.stringify(audit.skus.filter((s) => s.drift.length > 0))}`);
  for (const counts of await service.catalog!.counts()) {
    assert.equal(counts.initial, counts.available + counts.reserved + counts.sold, `${when}: ${counts.sku}`);
    assert.ok(counts.available >= 0 && counts.sold <= counts.initial, `${when}: ${JSON.stringify(counts)}`);
  }
}

test('1,000 units, 5,000 buyers, 10% declined: exactly 1,000 sold, none oversold, every buyer 202 or 409 sold_out', async () => {
  const service = await sale({ payment: { latencyMs: 3000, slots: 0, declineRate: 0.1 } });
  await service.catalog!.put({
    sku: 'FLASH-001',
    name: 'Flash mug',
    priceCents: 2999,
    stock: 1000,
    perCustomerLimit: 1,
    startsAt: null,
    endsAt: null,
  });

  // The invariant, sampled while the sale runs.
  let samples = 0;
  let selling = true;
  const sampler = (async () => {
    while (selling) {
      await assertInvariant(service, `sample ${samples}`);
      samples++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  // 5,000 distinct customers arrive over about 4 s (wall): units that declined payments give back
  // are bought by the buyers still arriving.
  const buyers = 5000;
  const spreadMs = 4000;
  const answers = new Map<number, number>();
  const errors: string[] = [];
  const started = Date.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < buyers; i++) {
    const due = started + (i * spreadMs) / buyers;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const customer = 10_000 + i;
    inFlight.push(
      postJson<{ error?: string }>(`${service.url}/orders/async`, { customer_id: customer, items: [FLASH] }).then(
        (r) => {
          answers.set(r.status, (answers.get(r.status) ?? 0) + 1);
          if (r.status !== 202 && !(r.status === 409 && r.body.error === 'sold_out'))
            errors.push(`${r.status} ${JSON.stringify(r.body)}`);
        },
        (error: Error) => {
          errors.push(error.message);
        },
      ),
    );
  }
  await Promise.all(inFlight);
  assert.deepEqual(errors.slice(0, 5), [], 'every buyer got 202 or 409 sold_out');

  await waitFor(
    async () => {
      const stats = (await getJson<{ orders: Record<string, number> }>(`${service.url}/stats`)).body;
      return stats.orders.pending === 0 && stats.orders.processing === 0;
    },
    { timeoutMs: 20_000, message: 'the queue drained' },
  );
  selling = false;
  await sampler;
  await assertInvariant(service, 'end');

  const [counts] = await service.catalog!.counts();
  const orders = await service.store.countByStatus();
  assert.deepEqual(counts, { sku: 'FLASH-001', initial: 1000, available: 0, reserved: 0, sold: 1000 });
  assert.equal(orders.completed, 1000, 'one completed order per unit sold');
  assert.ok(orders.failed > 0, 'some payments were declined');
  assert.equal(answers.get(202), orders.completed + orders.failed, 'every 202 is an order');
  assert.equal((answers.get(202) ?? 0) + (answers.get(409) ?? 0), buyers);
  assert.equal(await service.ledger.duplicates(), 0);
  const stats = (await getJson<{ rejected: Record<string, number> }>(`${service.url}/stats`)).body;
  assert.equal(stats.rejected.sold_out, answers.get(409));
  assert.ok(samples >= 3, `${samples} invariant samples during the sale`);
  console.log(
    `# ${answers.get(202)} accepted (${orders.failed} declined and resold), ${answers.get(409)} sold out, ${samples} samples, ${Date.now() - started} ms`,
  );
});

test('limit 1 per customer: 50 concurrent orders by one customer → exactly one 202', async () => {
  const service = await sale();
  await service.catalog!.put({
    sku: 'FLASH-001',
    name: 'Flash mug',
    priceCents: 2999,
    stock: 100,
    perCustomerLimit: 1,
    startsAt: null,
    endsAt: null,
  });
  const answers = await Promise.all(
    Array.from({ length: 50 }, () =>
      postJson<{ error?: string; limit?: number }>(`${service.url}/orders/async`, {
        customer_id: 77,
        items: [FLASH],
      }),
    ),
  );
  assert.equal(answers.filter((r) => r.status === 202).length, 1);
  const refused = answers.filter((r) => r.status === 409);
  assert.equal(refused.length, 49);
  for (const r of refused) assert.deepEqual([r.body.error, r.body.limit], ['limit_exceeded', 1]);
  assert.equal((await service.store.counts()).orders, 1);
  await assertInvariant(service, 'after the burst');
});
