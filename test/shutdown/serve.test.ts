import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { startFlashsale } from '../support/flashsale-process.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { tempDir, waitFor } from '../support/service.js';
import { startSmtpInbox } from '../support/smtp-inbox.js';
import { closedStoreLines, GRACE, LOGS, PAYMENT, paymentsUnderWay, terminate } from './shutdown-support.js';

const { dir, cleanup } = tempDir('flashsale-shutdown-serve-');
after(cleanup);

const ORDERS = 4;

interface Ledger {
  charges: number;
  orders: number;
  duplicates: number;
}

function readFile(db: string) {
  const sqlite = new Database(db, { readonly: true });
  try {
    const ledger = sqlite
      .prepare(
        `SELECT COUNT(*) AS charges, COUNT(DISTINCT order_id) AS orders,
           (SELECT COUNT(*) FROM (SELECT order_id FROM payment_ledger WHERE status <> 'voided'
              GROUP BY order_id HAVING COUNT(*) > 1)) AS duplicates
         FROM payment_ledger WHERE status <> 'voided'`,
      )
      .get() as Ledger;
    // A message still hidden by a receipt was neither acknowledged nor released.
    const held = sqlite
      .prepare('SELECT COUNT(*) AS n FROM bus_messages WHERE dead = 0 AND receipt IS NOT NULL AND visible_at > ?')
      .get(Date.now()) as { n: number };
    return { ledger, held: held.n };
  } finally {
    sqlite.close();
  }
}

// Queue workers, or push delivery to the serverless handler: either way the messages being paid are released.
const PROCESSORS = {
  queue: ['--workers', String(ORDERS)],
  push: ['--processor', 'push', '--push-concurrency', String(ORDERS)],
};

for (const [processor, flags] of Object.entries(PROCESSORS)) {
  test(`serve (${processor}): SIGTERM while payments outlast the grace → recorded before the file closes; a restart pays none again`, async () => {
    const db = join(dir, `serve-${processor}.db`);
    // A visibility timeout of 10 min: a message not released at the stop would not come back within this test.
    const inbox = await startSmtpInbox();
    after(() => inbox.close());
    const args = ['serve', '--db', db, '--port', '0', '--payment-slots', '0', '--smtp-url', inbox.url, ...flags];
    const first = await startFlashsale('serve', [
      ...args,
      ...PAYMENT,
      ...GRACE,
      ...LOGS,
      '--visibility-timeout',
      '10m',
    ]);
    const ids: string[] = [];
    try {
      for (let i = 0; i < ORDERS; i++) {
        const r = await postJson<{ order_id: string }>(`${first.url}/orders/async`, sampleOrder(4000 + i, i));
        assert.equal(r.status, 202);
        ids.push(r.body.order_id);
      }
      await paymentsUnderWay(first.url, ORDERS);
    } catch (error) {
      await first.kill();
      throw error;
    }
    assert.equal(await terminate(first), 0, first.output());
    assert.deepEqual(closedStoreLines(first.output()), [], 'nothing written to the closed file');

    const stopped = readFile(db);
    // Every payment under way at the signal ended in the provider's ledger before the process exited.
    assert.deepEqual(stopped.ledger, { charges: ORDERS, orders: ORDERS, duplicates: 0 });
    assert.equal(stopped.held, 0, 'the unfinished messages were released, not left hidden');

    const again = await startFlashsale('serve', [...args, ...LOGS, '--visibility-timeout', '10m']);
    try {
      for (const id of ids) {
        await waitFor(
          async () => (await getJson<{ status: string }>(`${again.url}/orders/${id}`)).body.status === 'completed',
          { timeoutMs: 15_000, intervalMs: 50, message: `order ${id} completed after the restart` },
        );
      }
      const { body } = await getJson<{ payments: { executed: number } }>(`${again.url}/stats`);
      assert.equal(body.payments.executed, 0, 'the restart paid nothing again: the ledger answered');
    } finally {
      assert.equal(await terminate(again), 0, again.output());
    }
    assert.deepEqual(closedStoreLines(again.output()), []);
    assert.deepEqual(readFile(db).ledger, { charges: ORDERS, orders: ORDERS, duplicates: 0 });
    // Each customer was told once, whichever process settled the order.
    const told = inbox.mails.map((mail) => mail.to.join()).sort();
    assert.deepEqual(told, ids.map((_, i) => `customer-${4000 + i}@customers.flashsale.test`).sort());
  });
}
