/**
 * Follows a uniform sample of accepted async orders to their payment through
 * the public `GET /orders/{id}`: the time from acceptance (`created_at`) to the
 * end of payment (`processed_at`) is what a customer of the async checkout waits.
 */
import { Pool } from 'undici';
import { sortedPercentile } from './histogram.js';
import type { EndToEnd } from './results.js';

interface Tracked {
  id: string;
  /** The target that accepted the order: it surely knows it. */
  host: string;
  status?: string;
  e2eMs?: number;
}

export class OrderTracker {
  private seen = 0;
  private readonly tracked: Tracked[] = [];

  constructor(
    private readonly capacity: number,
    private readonly random: () => number,
  ) {}

  get size(): number {
    return this.tracked.length;
  }

  /** Offers the body of an accepted order; reservoir sampling keeps `capacity` of them uniformly. */
  offer(body: Buffer | undefined, host: string): void {
    if (!body || this.capacity === 0) return;
    this.seen++;
    let slot = this.tracked.length;
    if (slot >= this.capacity) {
      slot = Math.floor(this.random() * this.seen);
      if (slot >= this.capacity) return;
    }
    const id = orderId(body);
    if (id) this.tracked[slot] = { id, host };
  }

  /**
   * Reads every tracked order until all are paid or failed, or `waitMs` (wall) has
   * passed; `waitMs` 0 reads each once. Undefined when nothing was tracked.
   */
  async resolve(waitMs: number, pollMs: number): Promise<EndToEnd | undefined> {
    if (this.tracked.length === 0) return undefined;
    const pools = new Map<string, Pool>();
    const poolOf = (host: string) => {
      let pool = pools.get(host);
      if (!pool) {
        pool = new Pool(host, { connections: 8 });
        pools.set(host, pool);
      }
      return pool;
    };
    const deadline = performance.now() + waitMs;
    try {
      for (;;) {
        const open = this.tracked.filter((t) => !isFinal(t.status));
        await mapLimit(open, 8, (t) => this.read(poolOf(t.host), t));
        if (this.tracked.every((t) => isFinal(t.status)) || performance.now() + pollMs > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    } finally {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    }
    return this.figures();
  }

  private async read(pool: Pool, tracked: Tracked): Promise<void> {
    try {
      const response = await pool.request({
        method: 'GET',
        path: `/orders/${encodeURIComponent(tracked.id)}`,
        headersTimeout: 5000,
        bodyTimeout: 5000,
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) return;
      const order = JSON.parse(text) as { status?: string; created_at?: string; processed_at?: string };
      tracked.status = order.status;
      if (order.status === 'completed' && order.created_at && order.processed_at) {
        tracked.e2eMs = Date.parse(order.processed_at) - Date.parse(order.created_at);
      }
    } catch {
      // unread this round; it stays unfinished
    }
  }

  private figures(): EndToEnd {
    const times = Float64Array.from(this.tracked.filter((t) => t.e2eMs !== undefined).map((t) => t.e2eMs!)).sort();
    const n = times.length;
    return {
      tracked: this.tracked.length,
      completed: this.tracked.filter((t) => t.status === 'completed').length,
      failed: this.tracked.filter((t) => t.status === 'failed').length,
      unfinished: this.tracked.filter((t) => !isFinal(t.status)).length,
      minMs: n ? times[0]! : 0,
      avgMs: n ? times.reduce((a, b) => a + b, 0) / n : 0,
      p50Ms: sortedPercentile(times, 50),
      p95Ms: sortedPercentile(times, 95),
      p99Ms: sortedPercentile(times, 99),
      maxMs: n ? times[n - 1]! : 0,
    };
  }
}

function isFinal(status: string | undefined): boolean {
  return status === 'completed' || status === 'failed';
}

function orderId(body: Buffer): string | undefined {
  try {
    const value = JSON.parse(body.toString('utf8')) as { order_id?: unknown };
    return typeof value.order_id === 'string' ? value.order_id : undefined;
  } catch {
    return undefined;
  }
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
