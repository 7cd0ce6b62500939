/**
 * The `sellout` scenario's view of a run: buyers against a limited stock.
 * Every request orders one unit of one sku (FLASH-001) for a customer of its
 * own, at the catalog's price (read from the public GET /products/{sku} at the
 * start). The run counts the 202s, the 409 `sold_out` answers — expected once
 * the stock is gone, so they are not failures — the other 409s by their
 * `error` (failures: a buyer should never see them), the time of the first
 * sold-out answer, and the sold-out answers' response times.
 */
import { request } from 'undici';
import { formatMs, formatNumber, formatPrecise, textTable } from './format.js';
import { LatencyHistogram, PERCENTILES, type PercentileTable } from './histogram.js';
import type { Completion } from './recorder.js';

/** The product the scenario buys unless told otherwise (`--sku`). */
export const SELLOUT_SKU = 'FLASH-001';
/** Its price when the target has no such product (an open catalog takes the client's price). */
const STUDY_PRICE = 29.99;

export interface StockReading {
  initial: number;
  available: number;
  reserved: number;
  sold: number;
}

/** What a sellout request orders: one unit of `sku` at `price`. */
export interface SelloutItem {
  sku: string;
  price: number;
}

export interface SelloutFigures {
  sku: string;
  /** The price every order carried (the catalog's, when the sku is a product). */
  price: number;
  /** GET /products/{sku} before the first request and after the last; null when the sku is not a product. */
  stockAtStart: StockReading | null;
  stockAtEnd: StockReading | null;
  /** 202 answers: a unit reserved for the buyer. */
  accepted: number;
  /** 409 `sold_out` answers. */
  soldOut: number;
  /** Other 409 answers, by their `error` (limit_exceeded, price_changed, not_on_sale, …). */
  otherConflicts: Record<string, number>;
  /** Wall ms from the start of the load to the first sold_out answer; null when none came. */
  timeToSellOutMs: number | null;
  /** The same in study seconds (÷ the time scale). */
  timeToSellOutS: number | null;
  /** Response times of the sold_out answers, wall ms (exact to 0.01 %, from an HDR histogram). */
  soldOutLatency: { count: number; minMs: number; avgMs: number; maxMs: number; percentiles: PercentileTable };
}

/** The customer ids of one run: a block of a million of its own, chosen by the seed (customer_id < 2^31). */
export function firstCustomer(seed: number): number {
  return 1_000_000 * (1 + (seed % 1000));
}

/** Request bodies: one unit of the item each, a new customer each. */
export function selloutBodies(item: SelloutItem, seed: number): () => string {
  let customer = firstCustomer(seed);
  const items = JSON.stringify([{ product_id: item.sku, quantity: 1, price: item.price }]);
  return () => `{"customer_id":${customer++},"items":${items}}`;
}

/** The product's price and stock from the target's public catalog; null when it is not a product there. */
export async function readProduct(host: string, sku: string): Promise<{ price: number; stock: StockReading } | null> {
  try {
    const response = await request(`${host}/products/${encodeURIComponent(sku)}`, {
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) return null;
    const body = JSON.parse(text) as { price?: unknown; stock?: Partial<StockReading> };
    const s = body.stock ?? {};
    if (typeof body.price !== 'number') return null;
    return {
      price: body.price,
      stock: { initial: s.initial ?? 0, available: s.available ?? 0, reserved: s.reserved ?? 0, sold: s.sold ?? 0 },
    };
  } catch {
    return null;
  }
}

/** The `error` of a 409 body, or "unknown" when it has none. */
function conflictError(body: Buffer | undefined): string {
  if (!body) return 'unknown';
  try {
    const error = (JSON.parse(body.toString('utf8')) as { error?: unknown }).error;
    return typeof error === 'string' && error.length <= 64 ? error : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Counts a sellout run's answers as they settle. */
export class SelloutTally {
  accepted = 0;
  soldOut = 0;
  readonly otherConflicts: Record<string, number> = {};
  firstSoldOutMs: number | null = null;
  private readonly latency = new LatencyHistogram();

  constructor(
    readonly host: string,
    readonly item: SelloutItem,
    readonly stockAtStart: StockReading | null,
  ) {}

  /** Reads the product from the target (a note when it is not one) before the first request. */
  static async start(host: string, sku: string, notes: string[]): Promise<SelloutTally> {
    const found = await selloutItem(host, sku);
    if (found.note) notes.push(found.note);
    return new SelloutTally(host, found.item, found.stock);
  }

  /** The run's figures, with the product's stock read again after the last answer. */
  async finish(timeScale: number): Promise<SelloutFigures> {
    const end = await readProduct(this.host, this.item.sku);
    return this.figures(timeScale, end?.stock ?? null);
  }

  /** Classifies an answer before the recorder counts it: a 409 sold_out is an expected answer, not a failure. */
  settle(status: number, body: Buffer | undefined, c: Completion): void {
    if (status === 202) {
      this.accepted++;
      return;
    }
    if (status !== 409) return;
    const error = conflictError(body);
    if (error === 'sold_out') {
      this.soldOut++;
      this.latency.record(c.latencyMs);
      if (this.firstSoldOutMs === null || c.endMs < this.firstSoldOutMs) this.firstSoldOutMs = c.endMs;
      c.ok = true;
      c.kind = undefined;
      c.error = undefined;
    } else {
      this.otherConflicts[error] = (this.otherConflicts[error] ?? 0) + 1;
      c.error = `HTTP 409 ${error}`;
    }
  }

  figures(timeScale: number, stockAtEnd: StockReading | null): SelloutFigures {
    const h = this.latency;
    const first = this.firstSoldOutMs;
    return {
      sku: this.item.sku,
      price: this.item.price,
      stockAtStart: this.stockAtStart,
      stockAtEnd,
      accepted: this.accepted,
      soldOut: this.soldOut,
      otherConflicts: { ...this.otherConflicts },
      timeToSellOutMs: first,
      timeToSellOutS: first === null ? null : first / 1000 / timeScale,
      soldOutLatency: {
        count: h.count,
        minMs: h.exact().minMs,
        avgMs: h.meanMs,
        maxMs: h.maxMs,
        percentiles: h.percentiles(),
      },
    };
  }
}

/** The product to buy and a note when the target does not sell it from a limited stock. */
export async function selloutItem(
  host: string,
  sku: string,
): Promise<{ item: SelloutItem; stock: StockReading | null; note?: string }> {
  const product = await readProduct(host, sku);
  if (product) return { item: { sku, price: product.price }, stock: product.stock };
  return {
    item: { sku, price: STUDY_PRICE },
    stock: null,
    note: `${sku} is not a product of ${host}: its stock is unlimited and nothing sells out (create it: flashsale products set ${sku} --price ${STUDY_PRICE} --stock 1000)`,
  };
}

/** The summary's lines for a sellout run. */
export function selloutLines(s: SelloutFigures): string[] {
  const stock = (r: StockReading | null) =>
    r
      ? `initial ${formatNumber(r.initial)}, available ${formatNumber(r.available)}, reserved ${formatNumber(r.reserved)}, sold ${formatNumber(r.sold)}`
      : 'not a catalog product (unlimited)';
  const others = Object.entries(s.otherConflicts);
  const lines = [
    `Sellout of ${s.sku} at ${formatPrecise(s.price)}: ${formatNumber(s.accepted)} accepted (202) · ${formatNumber(s.soldOut)} sold out (409) · ${others.length ? others.map(([e, n]) => `${e} ${formatNumber(n)}`).join(' · ') : 'no other 409'}`,
    `  time to sell out (first sold_out answer): ${s.timeToSellOutS === null ? 'never' : `${formatPrecise(Math.round(s.timeToSellOutS * 1000) / 1000)} s`}`,
    `  stock at the start: ${stock(s.stockAtStart)}`,
    `  stock at the end:   ${stock(s.stockAtEnd)}`,
  ];
  if (s.soldOutLatency.count > 0) {
    const p = s.soldOutLatency.percentiles;
    lines.push(
      '  409 sold_out response times, ms (exact to 0.01 %)',
      textTable(
        [...PERCENTILES.map((q) => `${q}%`), '# 409'],
        [[...PERCENTILES.map((q) => formatMs(p[`${q}`])), formatNumber(s.soldOutLatency.count)]],
        [],
      )
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  return lines;
}
