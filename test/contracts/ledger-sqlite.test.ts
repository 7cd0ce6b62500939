import { join } from 'node:path';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { SqlitePaymentLedger } from '../../src/sqlite/payment-ledger.js';
import { tempDir } from '../support/service.js';
import { ledgerContract } from './ledger-contract.js';

// Two connections to one file, as two processes sharing a gateway's ledger would hold it.
ledgerContract('SQLite', async () => {
  const { dir, cleanup } = tempDir('flashsale-ledger-');
  const databases = [0, 1].map(() => new SqliteDatabase({ path: join(dir, 'ledger.db') }));
  const [a, b] = databases.map((database) => new SqlitePaymentLedger({ database }));
  return {
    ledgers: [a as SqlitePaymentLedger, b as SqlitePaymentLedger],
    cleanup: async () => {
      for (const database of databases) await database.close();
      cleanup();
    },
  };
});
