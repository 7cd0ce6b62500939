/**
 * The sellout phase: a limited stock sold to more buyers than it has units.
 * 1,000 units of FLASH-001, 60 buyers/s (one unit each, each a new customer),
 * 10 % of payments declined — a declined order's unit goes back on sale and is
 * sold again. The sale is over when every unit is sold and no order holds one;
 * then the counters, the orders and the audit must agree: sold = stock, none
 * oversold, the invariant held in every reading.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import type { LoadTestResult } from '../loadtest/index.js';
import { fromLoadStart, type LabContext, loadFigures, round, runLoad, withService } from './context.js';
import { backlog } from './measure.js';
import type { Figure, PhaseResult, PhaseRun } from './results.js';
import type { QueuePoint, StockPoint } from './stats-sampler.js';
import { CLIENT_TIMEOUT_S, FLASH_SALE_RATE } from './theory.js';

export const SELLOUT = {
  sku: 'FLASH-001',
  price: 29.99,
  stock: 1000,
  declineRate: 0.1,
  /** Enough workers to pay 60 orders/s of 3 s payments (180 at a time) with room to spare. */
  workers: 200,
  /** The longest sale, study ms; it ends sooner once every unit is sold. */
  maxRunTimeMs: 120_000,
} as const;

/** The audit's verdict on the sku, as GET /admin/products/audit gives it. */
interface AuditView {
  clean: boolean;
  drift: number;
  ordersSold: number | null;
}

async function readAudit(url: string, token: string): Promise<AuditView | null> {
  try {
    const response = await request(`${url}/admin/products/audit`, {
      headers: { authorization: `Bearer ${token}` },
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) return null;
    const audit = JSON.parse(text) as {
      clean: boolean;
      skus: Array<{ sku: string; orders: { sold: number }; drift: unknown[] }>;
    };
    const sku = audit.skus.find((s) => s.sku === SELLOUT.sku);
    return {
      clean: audit.clean,
      drift: audit.skus.reduce((n, s) => n + s.drift.length, 0),
      ordersSold: sku ? sku.orders.sold : null,
    };
  } catch {
    return null;
  }
}

const stockAt = (p: QueuePoint): StockPoint | undefined => p.stock?.[SELLOUT.sku];
const broken = (s: StockPoint) => s.initial !== s.available + s.reserved + s.sold || s.available < 0;

export async function selloutPhase(ctx: LabContext): Promise<PhaseRun> {
  const startedAt = new Date().toISOString();
  const { opts } = ctx;
  const latencyS = opts.paymentLatencyMs / 1000;
  const catalogFile = join(ctx.dataDir, 'sellout-catalog.json');
  writeFileSync(catalogFile, JSON.stringify([{ sku: SELLOUT.sku, price: SELLOUT.price, stock: SELLOUT.stock }]));
  const token = randomBytes(24).toString('hex');
  const extra = {
    catalog: { file: catalogFile },
    adminToken: token,
    payment: { latencyMs: opts.paymentLatencyMs, slots: 0, declineRate: SELLOUT.declineRate },
  };
  const setup = { name: 'sellout', workers: SELLOUT.workers, slots: 0, extra };
  const outcome = await withService(ctx, setup, async (run) => {
    // The sale is over once every unit is sold and no order holds one: stop the buyers then.
    const stop = new AbortController();
    const over = (p: QueuePoint) => {
      const s = stockAt(p);
      return s !== undefined && s.sold >= s.initial && s.reserved === 0;
    };
    const watch = (async () => {
      while (!stop.signal.aborted) if (await run.sampler.waitFor(over, 250)) stop.abort();
    })();
    const load = await runLoad(
      ctx,
      run,
      {
        scenario: 'sellout',
        runTimeMs: SELLOUT.maxRunTimeMs,
        // Acceptance is pure compute: the client's 10 s applies to wall time.
        timeoutMs: (CLIENT_TIMEOUT_S * 1000) / opts.timeScale,
        label: 'lab-sellout',
      },
      stop.signal,
    );
    stop.abort();
    await watch;
    ctx.status('sellout: waiting for the payments under way');
    const drainWallMs = (opts.drainLimitMs + 1000) * opts.timeScale;
    await run.sampler.waitFor((p) => backlog(p) === 0 && (stockAt(p)?.reserved ?? 0) === 0, drainWallMs);
    const audit = await readAudit(run.service.url, token);
    return { ...load, audit };
  });
  const { result, startS, endS, audit } = outcome.value;
  const series = fromLoadStart(outcome.series, startS);
  const phase: PhaseResult = {
    id: 'sellout',
    group: 'sellout',
    title: 'Limited stock: the sale sells exactly its stock',
    setup: `${SELLOUT.stock} units of ${SELLOUT.sku}; POST /orders/async at ${FLASH_SALE_RATE} orders/s (open loop, one unit each, a new customer each, timeout 10 s wall) until every unit is sold (at most ${SELLOUT.maxRunTimeMs / 1000} s); ${SELLOUT.workers} workers, payments of ${latencyS} s, ${100 * SELLOUT.declineRate} % declined`,
    startedAt,
    wallMs: Math.round(outcome.wallMs),
    figures: selloutFigures(result, series, audit),
    series,
    loadEndS: round(endS - startS, 3),
    load: loadFigures(result),
    usage: outcome.usage,
    notes: [...result.notes],
    files: [],
  };
  if (audit === null) phase.notes.push('the audit could not be read (GET /admin/products/audit)');
  return { phase, loadtest: result };
}

/** The first reading at which the sku had no unit left, study seconds since the load started. */
export function soldOutAt(series: readonly QueuePoint[]): number | null {
  const first = series.find((p) => {
    const s = stockAt(p);
    return s !== undefined && s.available === 0 && s.initial > 0;
  });
  return first ? first.t : null;
}

function selloutFigures(result: LoadTestResult, series: QueuePoint[], audit: AuditView | null): Figure[] {
  const s = result.sellout;
  const readings = series.filter((p) => stockAt(p) !== undefined);
  const last = readings.at(-1);
  const end = last ? stockAt(last) : undefined;
  const brokenReadings = readings.filter((p) => broken(stockAt(p)!)).length;
  const declined = last ? last.failed : 0;
  // Units sold counted from the orders themselves (the audit), else from the completed orders (one unit each).
  const soldByOrders = audit?.ordersSold ?? (last ? last.completed : 0);
  const oversold = Math.max(0, soldByOrders - SELLOUT.stock, (end?.sold ?? 0) - SELLOUT.stock);
  const accepted = s?.accepted ?? 0;
  const soldOut = s?.soldOut ?? 0;
  const others = result.summary.requests - accepted - soldOut;
  const ideal = SELLOUT.stock / FLASH_SALE_RATE;
  const moment = soldOutAt(series);
  const p = s && s.soldOutLatency.count > 0 ? s.soldOutLatency.percentiles : undefined;
  const firstAnswer = s?.timeToSellOutS ?? null;
  return [
    {
      name: 'units sold (sold = stock)',
      unit: '',
      measured: end ? end.sold : null,
      theory: SELLOUT.stock,
      basis: 'the whole stock, declined units sold again',
      verdict: end?.sold === SELLOUT.stock ? 'ok' : 'off',
    },
    {
      name: 'units oversold',
      unit: '',
      measured: oversold,
      theory: 0,
      basis: 'units of completed orders (recomputed by the audit) − stock',
      verdict: oversold === 0 && end !== undefined ? 'ok' : 'off',
    },
    {
      name: 'readings breaking the invariant',
      unit: '',
      measured: readings.length > 0 ? brokenReadings : null,
      theory: 0,
      basis: `initial = available + reserved + sold, available ≥ 0, in ${readings.length} /stats readings`,
      verdict: readings.length > 0 && brokenReadings === 0 ? 'ok' : 'off',
    },
    {
      name: 'audit drift',
      unit: '',
      measured: audit ? audit.drift : null,
      theory: 0,
      basis: 'GET /admin/products/audit: every sku recomputed from the orders',
      verdict: audit?.clean ? 'ok' : 'off',
    },
    {
      name: 'sold out (first reading with 0 available)',
      unit: 's',
      measured: moment,
      theory: round(ideal, 1),
      basis: `${SELLOUT.stock} ÷ ${FLASH_SALE_RATE}/s; declined units come back`,
    },
    {
      name: 'first sold_out answer',
      unit: 's',
      measured: firstAnswer === null ? null : round(firstAnswer, 2),
      theory: round(ideal, 1),
      basis: 'time to sell out, as a buyer sees it',
    },
    {
      name: 'orders accepted (202)',
      unit: '',
      measured: accepted,
      theory: Math.round(SELLOUT.stock / (1 - SELLOUT.declineRate)),
      basis: `stock ÷ (1 − ${SELLOUT.declineRate}): every declined unit is sold again`,
    },
    { name: 'payments declined', unit: '', measured: declined, theory: Math.round(accepted * SELLOUT.declineRate) },
    { name: 'answers sold out (409)', unit: '', measured: soldOut, theory: null },
    {
      name: 'answers neither 202 nor 409 sold_out',
      unit: '',
      measured: others,
      theory: 0,
      verdict: others === 0 ? 'ok' : 'off',
      ...(s && Object.keys(s.otherConflicts).length > 0
        ? {
            note: Object.entries(s.otherConflicts)
              .map(([e, n]) => `${e} ${n}`)
              .join(', '),
          }
        : {}),
    },
    {
      name: '409 sold_out response time, median',
      unit: 'ms',
      measured: p ? round(p['50'], 2) : null,
      theory: null,
      note: 'wall time, not scaled',
    },
    {
      name: '409 sold_out response time, 99th percentile',
      unit: 'ms',
      measured: p ? round(p['99'], 2) : null,
      theory: null,
      note: 'wall time, not scaled',
    },
  ];
}
