import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { embeddedBusOptions } from '../../src/service/options.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { EmbeddedBus } from '../../src/sqlite/embedded-bus.js';
import { tempDir } from '../support/service.js';
import { busContract } from './bus-contract.js';

busContract(
  'embedded (SQLite)',
  async ({ clock, visibilityTimeoutMs, maxReceiveCount }) => {
    const { dir, cleanup } = tempDir('flashsale-bus-');
    const database = new SqliteDatabase({ path: join(dir, 'bus.db') });
    const bus = new EmbeddedBus(
      { database, clock },
      {
        ...embeddedBusOptions(DEFAULT_CONFIG),
        subscriptions: { 'contract-topic': ['contract-queue'] },
        visibilityTimeoutMs,
        maxReceiveCount,
        pollIntervalMs: 20,
      },
    );
    await bus.init();
    return {
      bus,
      topic: 'contract-topic',
      queue: 'contract-queue',
      cleanup: async () => {
        await bus.close();
        await database.close();
        cleanup();
      },
    };
  },
  // 30 simulated seconds of visibility last 300 ms.
  { timeScale: 0.01 },
);
