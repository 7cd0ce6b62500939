import type { LedgerEntry, LedgerResult, PaymentLedger, PaymentResult } from '../core/ports.js';
import type { SqliteDatabase } from './database.js';

interface LedgerRow {
  order_id: string;
  amount: number;
  status: 'approved' | 'declined' | 'voided';
  charge_id: string | null;
  reason: string | null;
  charged_at: number;
}

function toResult(row: LedgerRow): LedgerResult {
  if (row.status === 'voided') return { status: 'voided', voidedAt: row.charged_at };
  return row.status === 'approved'
    ? { status: 'approved', chargeId: row.charge_id ?? '', chargedAt: row.charged_at }
    : { status: 'declined', reason: row.reason ?? 'declined', chargedAt: row.charged_at };
}

/**
 * The simulated provider's durable ledger, one row per payment carried out,
 * or one void row for an order whose charge was called off. A write checks
 * and inserts in one transaction, so a void and a payment never both land.
 */
export class SqlitePaymentLedger implements PaymentLedger {
  private readonly stmt;

  constructor(private readonly deps: { database: SqliteDatabase }) {
    const db = deps.database.db;
    this.stmt = {
      find: db.prepare('SELECT * FROM payment_ledger WHERE order_id = ? ORDER BY id LIMIT 1'),
      findVoid: db.prepare("SELECT * FROM payment_ledger WHERE order_id = ? AND status = 'voided' LIMIT 1"),
      insert: db.prepare(
        'INSERT INTO payment_ledger (order_id, amount, status, charge_id, reason, charged_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      duplicates: db.prepare(
        `SELECT COUNT(*) AS n FROM (SELECT order_id FROM payment_ledger WHERE status <> 'voided'
         GROUP BY order_id HAVING COUNT(*) > 1)`,
      ),
      count: db.prepare("SELECT COUNT(*) AS n FROM payment_ledger WHERE status <> 'voided'"),
    };
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async find(orderId: string): Promise<LedgerEntry | undefined> {
    const row = this.stmt.find.get(orderId) as LedgerRow | undefined;
    return row ? { orderId: row.order_id, amount: row.amount, result: toResult(row) } : undefined;
  }

  async record(entry: { orderId: string; amount: number; result: PaymentResult }): Promise<LedgerResult> {
    const { result } = entry;
    return this.deps.database.write((): LedgerResult => {
      const voided = this.stmt.findVoid.get(entry.orderId) as LedgerRow | undefined;
      if (voided) return toResult(voided);
      this.stmt.insert.run(
        entry.orderId,
        entry.amount,
        result.status,
        result.status === 'approved' ? result.chargeId : null,
        result.status === 'declined' ? result.reason : null,
        result.chargedAt,
      );
      return result;
    });
  }

  async voidUnlessCharged(orderId: string, at: number): Promise<LedgerResult> {
    return this.deps.database.write((): LedgerResult => {
      const first = this.stmt.find.get(orderId) as LedgerRow | undefined;
      if (first) return toResult(first);
      this.stmt.insert.run(orderId, 0, 'voided', null, null, at);
      return { status: 'voided', voidedAt: at };
    });
  }

  async duplicates(): Promise<number> {
    return (this.stmt.duplicates.get() as { n: number }).n;
  }

  async count(): Promise<number> {
    return (this.stmt.count.get() as { n: number }).n;
  }
}
