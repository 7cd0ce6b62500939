import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import type { ConfigOverrides } from '../../src/config/config.js';
import { startNode } from '../../src/service/node.js';
import { ReleaseStack } from '../../src/service/release-stack.js';
import { tempDir } from '../support/service.js';

const { dir, cleanup } = tempDir('flashsale-release-');
after(cleanup);

const settings = (name: string): ConfigOverrides => ({
  host: '127.0.0.1',
  port: 0,
  dbPath: join(dir, `${name}.db`),
  logLevel: 'silent',
});

// What every role closes last, in this order: nothing it uses outlives what it writes to.
const CLOSE = ['close the gateway', 'close the bus', 'close the store'];
// An order node first stops taking work, then lets the work it had end, then sends the emails that work queued.
const ORDER_NODE = [
  'stop taking work, drain within the grace period, release unfinished messages',
  'let the work under way end: payments recorded, orders settled',
  'send the emails still queued',
  ...CLOSE,
];

describe('the release stack of each role, in the order close() runs it', () => {
  for (const role of ['serve', 'api', 'worker'] as const) {
    test(role, async () => {
      const node = await startNode(role, settings(role));
      try {
        assert.deepEqual(node.releaseOrder, ORDER_NODE);
      } finally {
        await node.close();
      }
    });
  }

  test('gateway', async () => {
    const node = await startNode('gateway', settings('gateway'));
    try {
      assert.deepEqual(node.releaseOrder, ['stop taking payments, drain within the grace period', ...CLOSE]);
    } finally {
      await node.close();
    }
  });

  test('function', async () => {
    const node = await startNode('function', settings('function'));
    try {
      assert.deepEqual(node.releaseOrder, ['send the emails still queued', ...CLOSE]);
    } finally {
      await node.close();
    }
  });
});

describe('ReleaseStack', () => {
  test('runs its steps once, last registered first, and goes on past a step that fails', async () => {
    const ran: string[] = [];
    const stack = new ReleaseStack(pino({ level: 'silent' }));
    stack.defer('close the store', () => ran.push('store'));
    stack.defer('close the bus', () => {
      ran.push('bus');
      throw new Error('the bus would not close');
    });
    stack.defer('stop taking work', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      ran.push('work');
    });
    assert.deepEqual(stack.order, ['stop taking work', 'close the bus', 'close the store']);
    await Promise.all([stack.release(), stack.release()]);
    await stack.release();
    assert.deepEqual(ran, ['work', 'bus', 'store']);
    assert.throws(() => stack.defer('late', () => {}), /already being released/);
  });
});
