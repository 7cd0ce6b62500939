import type { LedgerEntry, LedgerResult, PaymentLedger, PaymentResult } from '../core/ports.js';
import type { PostgresDatabase, Queryable } from './database.js';

interface LedgerRow {
  order_id: string;
  amount: string;
  status: 'approved' | 'declined' | 'voided';
  charge_id: string | null;
  reason: string | null;
  charged_at: string;
}

function toResult(row: LedgerRow): LedgerResult {
  const at = Number(row.charged_at);
  if (row.status === 'voided') return { status: 'voided', voidedAt: at };
  return row.status === 'approved'
    ? { status: 'approved', chargeId: row.charge_id ?? '', chargedAt: at }
    : { status: 'declined', reason: row.reason ?? 'declined', chargedAt: at };
}

/** Key space of the per-order advisory locks (the migrations lock uses the one-key form). */
const LEDGER_LOCK = 7275002;

const INSERT =
  'INSERT INTO payment_ledger (order_id, amount, status, charge_id, reason, charged_at) VALUES ($1, $2, $3, $4, $5, $6)';

/**
 * The simulated provider's ledger in PostgreSQL, one row per payment carried
 * out, or one void row for an order whose charge was called off. Writes of one
 * order take its advisory lock first, so that a void and a payment of it,
 * from any process, never both land.
 */
export class PostgresPaymentLedger implements PaymentLedger {
  constructor(private readonly deps: { database: PostgresDatabase }) {}

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async find(orderId: string): Promise<LedgerEntry | undefined> {
    const row = await first(this.deps.database, orderId);
    return row ? { orderId: row.order_id, amount: Number(row.amount), result: toResult(row) } : undefined;
  }

  async record(entry: { orderId: string; amount: number; result: PaymentResult }): Promise<LedgerResult> {
    const { result } = entry;
    return this.deps.database.transaction(async (client): Promise<LedgerResult> => {
      await lock(client, entry.orderId);
      const voided = await client.query<LedgerRow>(
        "SELECT * FROM payment_ledger WHERE order_id = $1 AND status = 'voided' LIMIT 1",
        [entry.orderId],
      );
      if (voided.rows[0]) return toResult(voided.rows[0]);
      await client.query(INSERT, [
        entry.orderId,
        entry.amount,
        result.status,
        result.status === 'approved' ? result.chargeId : null,
        result.status === 'declined' ? result.reason : null,
        result.chargedAt,
      ]);
      return result;
    });
  }

  async voidUnlessCharged(orderId: string, at: number): Promise<LedgerResult> {
    return this.deps.database.transaction(async (client): Promise<LedgerResult> => {
      await lock(client, orderId);
      const row = await first(client, orderId);
      if (row) return toResult(row);
      await client.query(INSERT, [orderId, 0, 'voided', null, null, at]);
      return { status: 'voided', voidedAt: at };
    });
  }

  async duplicates(): Promise<number> {
    const { rows } = await this.deps.database.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT order_id FROM payment_ledger WHERE status <> 'voided'
       GROUP BY order_id HAVING count(*) > 1) d`,
    );
    return rows[0]?.n ?? 0;
  }

  async count(): Promise<number> {
    const { rows } = await this.deps.database.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM payment_ledger WHERE status <> 'voided'",
    );
    return rows[0]?.n ?? 0;
  }
}

async function first(db: Queryable, orderId: string): Promise<LedgerRow | undefined> {
  const { rows } = await db.query<LedgerRow>('SELECT * FROM payment_ledger WHERE order_id = $1 ORDER BY id LIMIT 1', [
    orderId,
  ]);
  return rows[0];
}

/** Held until the transaction ends; a later statement then sees what the previous holder committed. */
async function lock(client: Queryable, orderId: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LEDGER_LOCK, orderId]);
}
