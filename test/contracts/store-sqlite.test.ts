import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { ScaledClock } from '../../src/core/clock.js';
import { embeddedBusOptions } from '../../src/service/options.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { EmbeddedBus } from '../../src/sqlite/embedded-bus.js';
import { SqliteOrderStore } from '../../src/sqlite/order-store.js';
import { SqliteOutbox } from '../../src/sqlite/outbox.js';
import { tempDir } from '../support/service.js';
import { outboxContract } from './outbox-contract.js';
import { storeContract } from './store-contract.js';

const clock = new ScaledClock(0.01);
const TOPIC = 'order-processing-events';

function openDatabase() {
  const { dir, cleanup } = tempDir('flashsale-store-');
  const database = new SqliteDatabase({ path: join(dir, 'store.db') });
  return {
    database,
    close: async () => {
      await database.close();
      cleanup();
    },
  };
}

storeContract('SQLite with the embedded bus', async () => {
  const { database, close } = openDatabase();
  const bus = new EmbeddedBus(
    { database, clock },
    { ...embeddedBusOptions(DEFAULT_CONFIG), subscriptions: { [TOPIC]: ['order-processing-queue'] } },
  );
  await bus.init();
  const store = new SqliteOrderStore({ database, publisher: bus }, { topic: TOPIC });
  await store.init();
  return { store, cleanup: close };
});

const withOutbox = async () => {
  const { database, close } = openDatabase();
  const outbox = new SqliteOutbox({ database, clock });
  const store = new SqliteOrderStore({ database, publisher: outbox }, { topic: TOPIC });
  await Promise.all([outbox.init(), store.init()]);
  return { store, outbox, topic: TOPIC, cleanup: close };
};

storeContract('SQLite with an outbox (bus elsewhere)', withOutbox);
outboxContract('SQLite', withOutbox);
