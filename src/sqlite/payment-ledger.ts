import type { LedgerEntry, PaymentLedger, PaymentResult } from '../core/ports.js';
import type { SqliteDatabase } from './database.js';

interface LedgerRow {
  order_id: string;
  amount: number;
  status: 'approved' | 'declined';
  charge_id: string | null;
  reason: string | null;
  charged_at: number;
}

/** The simulated provider's durable ledger, one row per payment carried out. */
export class SqlitePaymentLedger implements PaymentLedger {
  private readonly stmt;

  constructor(private readonly deps: { database: SqliteDatabase }) {
    const db = deps.database.db;
    this.stmt = {
      find: db.prepare('SELECT * FROM payment_ledger WHERE order_id = ? ORDER BY id LIMIT 1'),
      insert: db.prepare(
        'INSERT INTO payment_ledger (order_id, amount, status, charge_id, reason, charged_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      duplicates: db.prepare(
        'SELECT COUNT(*) AS n FROM (SELECT order_id FROM payment_ledger GROUP BY order_id HAVING COUNT(*) > 1)',
      ),
      count: db.prepare('SELECT COUNT(*) AS n FROM payment_ledger'),
    };
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async find(orderId: string): Promise<LedgerEntry | undefined> {
    const row = this.stmt.find.get(orderId) as LedgerRow | undefined;
    if (!row) return undefined;
    const result: PaymentResult =
      row.status === 'approved'
        ? { status: 'approved', chargeId: row.charge_id ?? '', chargedAt: row.charged_at }
        : { status: 'declined', reason: row.reason ?? 'declined', chargedAt: row.charged_at };
    return { orderId: row.order_id, amount: row.amount, result };
  }

  async record(entry: LedgerEntry): Promise<void> {
    const { result } = entry;
    await this.deps.database.write(() =>
      this.stmt.insert.run(
        entry.orderId,
        entry.amount,
        result.status,
        result.status === 'approved' ? result.chargeId : null,
        result.status === 'declined' ? result.reason : null,
        result.chargedAt,
      ),
    );
  }

  async duplicates(): Promise<number> {
    return (this.stmt.duplicates.get() as { n: number }).n;
  }

  async count(): Promise<number> {
    return (this.stmt.count.get() as { n: number }).n;
  }
}
