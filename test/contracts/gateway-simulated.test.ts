import { join } from 'node:path';
import { ScaledClock } from '../../src/core/clock.js';
import { SimulatedGateway } from '../../src/payment/simulated-gateway.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { SqlitePaymentLedger } from '../../src/sqlite/payment-ledger.js';
import { tempDir } from '../support/service.js';
import { gatewayContract, PROVIDER } from './gateway-contract.js';

// 3 s payments at a scale of 0.05 take 150 ms.
const clock = new ScaledClock(0.05);

// In process: the serve role's gateway, every caller sharing the one object and its ledger.
gatewayContract('SimulatedGateway (in process, SQLite ledger)', async () => {
  const { dir, cleanup } = tempDir('flashsale-gateway-');
  const database = new SqliteDatabase({ path: join(dir, 'ledger.db') });
  const ledger = new SqlitePaymentLedger({ database });
  const gateway = new SimulatedGateway({ clock, ledger }, PROVIDER);
  await gateway.init();
  return {
    gateway,
    caller: async () => gateway,
    configure: async (change) => gateway.configure(change),
    underWay: async () => gateway.stats().inFlight,
    recorded: (orderId) => ledger.find(orderId),
    cleanup: async () => {
      await gateway.close();
      await database.close();
      cleanup();
    },
  };
});
