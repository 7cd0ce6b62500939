import type pg from 'pg';
import type { FaultName } from './faults.js';
import type { Exchange } from './order-stream.js';
import type { Death } from './supervised.js';

/** The time line of one fault: [from, to) owns the requests sent then. */
export interface Phase {
  fault: FaultName;
  label: string;
  note: string;
  from: number;
  injectedAt: number;
  healedAt: number;
  to: number;
  /** Unhandled rejections of every process at the phase's start and end; undefined when no process reports them. */
  rejectionsAtStart?: number;
  rejectionsAtEnd?: number;
}

/** One row of the chaos table. */
export interface ChaosRow {
  fault: FaultName;
  label: string;
  note: string;
  /** Orders sent while the fault lasted (at least the second after it), and how many got a 202 / a 503. */
  during: { requests: number; accepted: number; unavailable: number };
  /** Answers ≥ 500 other than 503, over the phase, with a few samples. */
  serverErrors: number;
  serverErrorSamples: string[];
  /** Requests with no answer at all (client timeout, no connection even after failover), over the phase. */
  noAnswer: number;
  noAnswerSamples: string[];
  /** Orders 202'd in the phase. */
  accepted: number;
  /** 202'd but not in the database. */
  lost: number;
  /** More than one payment in the provider's ledger. */
  chargedTwice: number;
  /** Completed without an approved payment, or failed although one was approved. */
  chargeMismatch: number;
  /** Not final `stuckAfterMs` after the fault was over. */
  stuck: number;
  /** What the stuck orders look like: their status and whether their message left the outbox. */
  stuckDetail: string[];
  /** Final as failed (a payment that gave up): an end, but one the customer notices. */
  failed: number;
  died: Death[];
  /** null when no process exposes the counter. */
  unhandledRejections: number | null;
  /** Seconds from the end of the fault to the first 202 sent after it, and to the first completion after it. */
  recovery: { accepted: number | null; completed: number | null; seconds: number | null };
}

interface OrderFacts {
  order_id: string;
  status: string;
  done_ms: number | null;
  charges: number;
  approved: number;
}

const IN_PROGRESS = ['pending', 'processing'];
/** Instant faults (a terminate) are judged on the second that follows them. */
const MIN_WINDOW_MS = 1000;

/** Orders not final yet among `ids`. */
export async function unfinished(sql: pg.Client, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const { rows } = await sql.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1) AND status = ANY($2)',
    [ids, IN_PROGRESS],
  );
  return rows[0]?.n ?? 0;
}

/** Judges each phase from what the clients saw, what the database holds and which processes died. */
export async function judge(
  sql: pg.Client,
  phases: readonly Phase[],
  exchanges: readonly Exchange[],
  deaths: readonly Death[],
  stuckAfterMs: number,
): Promise<ChaosRow[]> {
  const rows: ChaosRow[] = [];
  for (const phase of phases) {
    const mine = exchanges.filter((e) => e.sentAt >= phase.from && e.sentAt < phase.to);
    const windowEnd = Math.max(phase.healedAt, phase.injectedAt + MIN_WINDOW_MS);
    const during = mine.filter(
      (e) => e.route === 'POST /orders/async' && e.sentAt >= phase.injectedAt && e.sentAt < windowEnd,
    );
    const serverErrors = mine.filter((e) => typeof e.status === 'number' && e.status >= 500 && e.status !== 503);
    const noAnswer = mine.filter((e) => typeof e.status !== 'number');
    const ids = [...new Set(mine.filter((e) => e.status === 202 && e.orderId).map((e) => e.orderId as string))];
    const facts = await orderFacts(sql, ids);
    const deadline = phase.healedAt + stuckAfterMs;
    const stuck = facts.filter((f) => IN_PROGRESS.includes(f.status) || (f.done_ms !== null && f.done_ms > deadline));
    const firstAccepted = mine.find((e) => e.sentAt >= phase.healedAt && e.status === 202);
    const firstCompleted = await firstCompletionAfter(sql, phase.healedAt);
    const accepted = firstAccepted ? (firstAccepted.doneAt - phase.healedAt) / 1000 : null;
    const completed = firstCompleted === null ? null : Math.max(0, firstCompleted - phase.healedAt) / 1000;
    const rejections =
      phase.rejectionsAtEnd === undefined ? null : phase.rejectionsAtEnd - (phase.rejectionsAtStart ?? 0);
    rows.push({
      fault: phase.fault,
      label: phase.label,
      note: phase.note,
      during: {
        requests: during.length,
        accepted: during.filter((e) => e.status === 202).length,
        unavailable: during.filter((e) => e.status === 503).length,
      },
      serverErrors: serverErrors.length,
      serverErrorSamples: samples(serverErrors),
      noAnswer: noAnswer.length,
      noAnswerSamples: samples(noAnswer),
      accepted: ids.length,
      lost: ids.length - facts.length,
      chargedTwice: facts.filter((f) => f.charges > 1).length,
      chargeMismatch: facts.filter(
        (f) => (f.status === 'completed' && f.approved === 0) || (f.status === 'failed' && f.approved > 0),
      ).length,
      stuck: stuck.length,
      stuckDetail: await describeStuck(sql, stuck, deadline),
      failed: facts.filter((f) => f.status === 'failed').length,
      died: deaths.filter((d) => d.at >= phase.from && d.at < phase.to),
      unhandledRejections: rejections,
      recovery: {
        accepted,
        completed,
        seconds: accepted === null && completed === null ? null : Math.max(accepted ?? 0, completed ?? 0),
      },
    });
  }
  return rows;
}

/** Whether a row shows a fault the issue forbids. */
export function rowFailed(row: ChaosRow): boolean {
  return (
    row.lost > 0 ||
    row.chargedTwice > 0 ||
    row.chargeMismatch > 0 ||
    row.stuck > 0 ||
    row.died.length > 0 ||
    row.serverErrors > 0 ||
    row.noAnswer > 0 ||
    (row.unhandledRejections ?? 0) > 0
  );
}

async function orderFacts(sql: pg.Client, ids: readonly string[]): Promise<OrderFacts[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql.query<OrderFacts>(
    `SELECT o.order_id, o.status,
            (extract(epoch FROM o.processed_at) * 1000)::float8 AS done_ms,
            count(l.id)::int AS charges,
            count(l.id) FILTER (WHERE l.status = 'approved')::int AS approved
     FROM orders o LEFT JOIN payment_ledger l ON l.order_id = o.order_id
     WHERE o.order_id = ANY($1)
     GROUP BY o.order_id, o.status, o.processed_at`,
    [ids],
  );
  return rows;
}

/** Stuck orders by status, by whether their outbox row was published, and how late the late ones ended. */
async function describeStuck(sql: pg.Client, stuck: readonly OrderFacts[], deadline: number): Promise<string[]> {
  if (stuck.length === 0) return [];
  const { rows } = await sql.query<{ order_id: string; published: boolean | null }>(
    `SELECT body::json->>'order_id' AS order_id, bool_or(sent_at IS NOT NULL) AS published FROM outbox
     WHERE body::json->>'order_id' = ANY($1) GROUP BY 1`,
    [stuck.map((f) => f.order_id)],
  );
  const published = new Map(rows.map((r) => [r.order_id, r.published]));
  const kinds = new Map<string, number>();
  for (const f of stuck) {
    const message = published.get(f.order_id) ? 'message published' : 'message still in the outbox';
    const kind = IN_PROGRESS.includes(f.status)
      ? `${f.status}, ${message}`
      : `${f.status} ${Math.ceil(((f.done_ms ?? 0) - deadline) / 1000)} s too late`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return [...kinds].map(([kind, n]) => `${n} ${kind}`);
}

async function firstCompletionAfter(sql: pg.Client, at: number): Promise<number | null> {
  const { rows } = await sql.query<{ ms: number | null }>(
    `SELECT (extract(epoch FROM min(processed_at)) * 1000)::float8 AS ms FROM orders
     WHERE status = 'completed' AND processed_at >= to_timestamp($1::float8 / 1000)`,
    [at],
  );
  return rows[0]?.ms ?? null;
}

function samples(exchanges: readonly Exchange[]): string[] {
  const seen = new Map<string, number>();
  for (const e of exchanges) {
    const key = `${e.route} → ${e.status} from ${e.target}: ${e.detail ?? ''}`.slice(0, 240);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([key, n]) => `${n}× ${key}`);
}
