/**
 * Group commit for the PostgreSQL store: the accepts one process takes in one
 * event-loop turn go to the database together — one statement when no order
 * of the batch touches a catalog product, else one transaction that locks
 * each product once, decides every order in arrival order, and writes ONE
 * decrement per sku. Each request still gets its own outcome.
 */
import { FlashsaleError } from '../core/errors.js';
import type { AcceptOutcome, AcceptRequest } from '../core/ports.js';
import {
  CLAIM_KEYS,
  HELD_UNITS,
  inputParams,
  LOCK_PRODUCTS,
  resolveTakenKeys,
  WRITE_RESERVED,
  WRITE_UNLESS_PRODUCTS,
} from './accept-sql.js';
import type { PostgresDatabase, Queryable } from './database.js';
import type { Decision } from './reservation.js';
import { BatchReservation, demandOf, type ProductState } from './reservation.js';

export interface AcceptBatchOptions {
  topic: string;
  /** Most orders in one batch. Default 500. */
  maxBatch?: number;
  /**
   * Batches without stock in flight at once, each on its own connection; the
   * rest wait and grow. Default 2. Batches that reserve go one at a time: two
   * of one process would only queue on the same product rows, and the one
   * waiting would be a smaller batch.
   */
  maxInFlight?: number;
}

interface Entry {
  request: AcceptRequest;
  resolve(outcome: AcceptOutcome): void;
  reject(error: unknown): void;
}

/** Collects accepts for one event-loop turn and writes them as one batch. */
export class AcceptBatcher {
  private queue: Entry[] = [];
  private scheduled = false;
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  /** Skus seen to be catalog products: a batch naming one goes straight to the reservation transaction. */
  private readonly products = new Set<string>();

  constructor(
    private readonly deps: { database: PostgresDatabase; afterCommit: () => void },
    private readonly options: AcceptBatchOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  submit(request: AcceptRequest): Promise<AcceptOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.schedule();
    });
  }

  /** Writes `requests` as one batch now (the unbatched path uses it with one request). */
  write(requests: readonly AcceptRequest[]): Promise<AcceptOutcome[]> {
    return acceptBatch(this.deps.database, this.options.topic, requests, this.products).then((outcomes) => {
      if (outcomes.some((o, i) => o.kind === 'created' && requests[i]?.publish)) this.deps.afterCommit();
      return outcomes;
    });
  }

  private limit(): number {
    return this.queue.some((e) => e.request.stock) ? 1 : this.maxInFlight;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.limit() || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate runs after the I/O callbacks of this turn: every request parsed in it joins.
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.limit() && this.queue.length > 0) void this.run(this.take());
    });
  }

  /** Up to maxBatch entries, one per idempotency key: a repeated key waits for the next batch and finds the first. */
  private take(): Entry[] {
    const batch: Entry[] = [];
    const rest: Entry[] = [];
    const keys = new Set<string>();
    for (const entry of this.queue) {
      const key = entry.request.idempotencyKey;
      if (batch.length >= this.maxBatch || (key !== undefined && keys.has(key))) {
        rest.push(entry);
        continue;
      }
      if (key !== undefined) keys.add(key);
      batch.push(entry);
    }
    this.queue = rest;
    return batch;
  }

  private async run(batch: Entry[]): Promise<void> {
    this.inFlight++;
    try {
      const outcomes = await this.write(batch.map((e) => e.request));
      for (const [i, entry] of batch.entries()) entry.resolve(outcomes[i] as AcceptOutcome);
    } catch (error) {
      const retryable = error instanceof FlashsaleError && error.retryable;
      if (batch.length === 1 || retryable) {
        for (const entry of batch) entry.reject(error);
      } else {
        // One bad order must not fail the others: each goes again alone, and only it fails.
        await Promise.all(
          batch.map((entry) =>
            this.write([entry.request]).then((o) => entry.resolve(o[0] as AcceptOutcome), entry.reject),
          ),
        );
      }
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}

/** Stores a batch of accepts; outcomes in the order of `requests`. */
export async function acceptBatch(
  database: PostgresDatabase,
  topic: string,
  requests: readonly AcceptRequest[],
  products: Set<string>,
): Promise<AcceptOutcome[]> {
  const skus = new Set<string>();
  for (const r of requests) if (r.stock) for (const item of r.order.items) skus.add(item.product_id);
  const outcomes = new Map<AcceptRequest, AcceptOutcome>();
  // A closed-mode repeat of a key goes to the transaction, which finds the key before judging the skus.
  const closedKeyed = requests.some((r) => r.stock?.mode === 'closed' && r.idempotencyKey !== undefined);
  if (!closedKeyed && ![...skus].some((sku) => products.has(sku))) {
    // Closed-mode orders are left out: with no product among their skus every one of them is refused.
    const open = requests.filter((r) => r.stock?.mode !== 'closed');
    const { rows } = await database.query<{ products: string[] | null; created: string[] }>(WRITE_UNLESS_PRODUCTS, [
      ...inputParams(open, topic),
      [...skus],
    ]);
    const found = rows[0]?.products ?? null;
    if (found === null) {
      const created = new Set(rows[0]?.created ?? []);
      const taken: AcceptRequest[] = [];
      for (const r of requests) {
        if (r.stock?.mode === 'closed') {
          outcomes.set(r, {
            kind: 'rejected',
            rejection: { reason: 'unknown_sku', sku: r.order.items[0]?.product_id ?? '' },
          });
        } else if (created.has(r.order.order_id)) {
          outcomes.set(r, { kind: 'created', order: r.order });
        } else taken.push(r);
      }
      for (const [r, o] of await resolveTakenKeys(database, taken)) outcomes.set(r, o);
      return requests.map((r) => outcomes.get(r) as AcceptOutcome);
    }
    for (const sku of found) products.add(sku);
  }
  const taken = await database.transaction((client) => reserveBatch(client, topic, requests, outcomes, products));
  for (const [r, o] of await resolveTakenKeys(database, taken)) outcomes.set(r, o);
  return requests.map((r) => outcomes.get(r) as AcceptOutcome);
}

/**
 * The reservation transaction: claim the keys, lock the batch's products in
 * sku order, decide each order in arrival order, write everything in one
 * statement. Fills `outcomes`; returns the requests whose key was taken.
 */
async function reserveBatch(
  client: Queryable,
  topic: string,
  requests: readonly AcceptRequest[],
  outcomes: Map<AcceptRequest, AcceptOutcome>,
  known: Set<string>,
): Promise<AcceptRequest[]> {
  outcomes.clear();
  const keyed = requests.filter((r) => r.idempotencyKey !== undefined);
  let claimed = new Set<string>();
  if (keyed.length > 0) {
    const { rows } = await client.query<{ key: string }>(CLAIM_KEYS, [
      keyed.map((r) => r.idempotencyKey),
      keyed.map((r) => r.order.order_id),
      keyed.map((r) => r.requestHash ?? null),
      keyed.map((r) => r.order.created_at),
    ]);
    claimed = new Set(rows.map((row) => row.key));
  }
  const taken = keyed.filter((r) => !claimed.has(r.idempotencyKey as string));
  const fresh = requests.filter((r) => r.idempotencyKey === undefined || claimed.has(r.idempotencyKey));
  const skus = [...new Set(fresh.flatMap((r) => (r.stock ? demandOf(r.order).map((l) => l.sku) : [])))].sort();
  const products = new Map<string, ProductState>();
  if (skus.length > 0) {
    const { rows } = await client.query<ProductRow>(LOCK_PRODUCTS, [skus]);
    for (const row of rows) products.set(row.sku, productState(row));
  }
  for (const sku of products.keys()) known.add(sku);
  const held = new Map<string, number>();
  const limited = [...products.values()].filter((p) => p.perCustomerLimit !== null).map((p) => p.sku);
  if (limited.length > 0) {
    const customers = [...new Set(fresh.map((r) => r.order.customer_id))];
    const { rows } = await client.query<{ sku: string; customer_id: number; units: number }>(HELD_UNITS, [
      limited,
      customers,
    ]);
    for (const row of rows) held.set(BatchReservation.customerKey(row.sku, row.customer_id), row.units);
  }
  const reservation = new BatchReservation(products, held);
  const accepted: AcceptRequest[] = [];
  const lines: Decision[] = [];
  const refusedKeys: string[] = [];
  for (const request of fresh) {
    const decision: Decision = request.stock
      ? reservation.decide(request.order, request.stock.mode)
      : { kind: 'reserve', lines: [], stock: [] };
    if (decision.kind === 'reject') {
      outcomes.set(request, { kind: 'rejected', rejection: decision.rejection });
      if (request.idempotencyKey !== undefined) refusedKeys.push(request.idempotencyKey);
      continue;
    }
    accepted.push(request);
    lines.push(decision);
    outcomes.set(
      request,
      request.stock
        ? { kind: 'created', order: request.order, stock: decision.stock }
        : { kind: 'created', order: request.order },
    );
  }
  if (accepted.length === 0 && refusedKeys.length === 0) return taken;
  const deltas = reservation.productDeltas();
  const customers = reservation.customerDeltas();
  const reserved = lines.map((d) => (d.kind === 'reserve' ? d.lines : undefined));
  await client.query(WRITE_RESERVED, [
    ...inputParams(accepted, topic, reserved),
    deltas.map((d) => d.sku),
    deltas.map((d) => d.quantity),
    customers.map((c) => c.sku),
    customers.map((c) => c.customer_id),
    customers.map((c) => c.units),
    refusedKeys,
  ]);
  return taken;
}

export interface ProductRow {
  sku: string;
  price_cents: string;
  available: string;
  per_customer_limit: number | null;
  starts_at: Date | null;
  ends_at: Date | null;
}

export function productState(row: ProductRow): ProductState {
  return {
    sku: row.sku,
    priceCents: Number(row.price_cents),
    available: Number(row.available),
    perCustomerLimit: row.per_customer_limit,
    startsAt: row.starts_at?.getTime() ?? null,
    endsAt: row.ends_at?.getTime() ?? null,
  };
}
