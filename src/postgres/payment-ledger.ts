import type { LedgerEntry, PaymentLedger, PaymentResult } from '../core/ports.js';
import type { PostgresDatabase } from './database.js';

interface LedgerRow {
  order_id: string;
  amount: string;
  status: 'approved' | 'declined';
  charge_id: string | null;
  reason: string | null;
  charged_at: string;
}

/** The simulated provider's ledger in PostgreSQL, one row per payment carried out. */
export class PostgresPaymentLedger implements PaymentLedger {
  constructor(private readonly deps: { database: PostgresDatabase }) {}

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async find(orderId: string): Promise<LedgerEntry | undefined> {
    const { rows } = await this.deps.database.query<LedgerRow>(
      'SELECT * FROM payment_ledger WHERE order_id = $1 ORDER BY id LIMIT 1',
      [orderId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const chargedAt = Number(row.charged_at);
    const result: PaymentResult =
      row.status === 'approved'
        ? { status: 'approved', chargeId: row.charge_id ?? '', chargedAt }
        : { status: 'declined', reason: row.reason ?? 'declined', chargedAt };
    return { orderId: row.order_id, amount: Number(row.amount), result };
  }

  async record(entry: LedgerEntry): Promise<void> {
    const { result } = entry;
    await this.deps.database.query(
      'INSERT INTO payment_ledger (order_id, amount, status, charge_id, reason, charged_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [
        entry.orderId,
        entry.amount,
        result.status,
        result.status === 'approved' ? result.chargeId : null,
        result.status === 'declined' ? result.reason : null,
        result.chargedAt,
      ],
    );
  }

  async duplicates(): Promise<number> {
    const { rows } = await this.deps.database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM (SELECT order_id FROM payment_ledger GROUP BY order_id HAVING count(*) > 1) d',
    );
    return rows[0]?.n ?? 0;
  }

  async count(): Promise<number> {
    const { rows } = await this.deps.database.query<{ n: number }>('SELECT count(*)::int AS n FROM payment_ledger');
    return rows[0]?.n ?? 0;
  }
}
