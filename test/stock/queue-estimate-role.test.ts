import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Order } from '../../src/core/order.js';
import type { QueuePlace } from '../../src/core/queue-position.js';
import { type OrderNode, startNode } from '../../src/service/node.js';
import { type Emulator, startEmulator, uniqueName } from '../support/fauxqs.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { tempDir } from '../support/service.js';

/** An order as the API shows it. */
type Shown = Order & Partial<QueuePlace>;

describe('queue_position where the process does not see the queue (api on SNS/SQS)', () => {
  let emulator: Emulator;
  let node: OrderNode;
  let dir: ReturnType<typeof tempDir>;

  before(async () => {
    emulator = await startEmulator();
    dir = tempDir('flashsale-estimate-');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const name = uniqueName('estimate');
    // An api process takes orders and pays none: they stay pending in the queue.
    node = await startNode('api', {
      host: '127.0.0.1',
      port: 0,
      dbPath: join(dir.dir, 'flashsale.db'),
      bus: 'sqs',
      queue: { name, topic: `${name}-topic` },
      aws: { endpoint: emulator.endpoint, provision: true },
      logLevel: 'silent',
      shutdownGraceMs: 2000,
    });
  });
  after(async () => {
    await node?.close();
    await emulator?.stop();
    dir?.cleanup();
  });

  test('the 202 and GET carry an estimate, named one, in accept order', async () => {
    const accepted: Shown[] = [];
    for (let i = 0; i < 10; i++) {
      const answer = await postJson<Shown>(`${node.url}/orders/async`, sampleOrder(1400 + i));
      assert.equal(answer.status, 202);
      accepted.push(answer.body);
    }
    assert.ok(accepted.every((o) => o.queue_position_basis === 'estimate'));
    const positions = accepted.map((o) => o.queue_position ?? -1);
    assert.equal(positions[0], 0, 'the first order has nobody ahead');
    for (let i = 1; i < positions.length; i++)
      assert.ok((positions[i] ?? 0) >= (positions[i - 1] ?? 0), `${positions}`);
    // Exact when one reading of the counts covers the burst; a reading taken during a commit may miss one.
    assert.ok((positions[9] ?? 0) >= 8 && (positions[9] ?? 0) <= 9, `${positions}`);
    assert.ok(
      accepted.every((o) => o.estimated_payment_at === undefined),
      'no order has left the queue: no rate, no time',
    );
    const read = await getJson<Shown>(`${node.url}/orders/${accepted[9]?.order_id}`);
    assert.equal(read.body.queue_position_basis, 'estimate');
    assert.ok((read.body.queue_position ?? -1) >= 0 && (read.body.queue_position ?? 99) <= 9);
  });
});
