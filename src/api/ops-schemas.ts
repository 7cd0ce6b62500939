import { type TProperties, Type } from '@sinclair/typebox';

/**
 * Bodies of the operations routes (/health, /ready, /stats). /stats gains
 * sections as features are switched on (and as flashsale grows), so each of
 * its objects allows more keys than it lists: readers must tolerate them.
 */

/** An object whose listed keys are documented and whose other keys are allowed. */
function open<T extends TProperties>(properties: T, options: { description?: string; $id?: string } = {}) {
  return Type.Object(properties, { additionalProperties: true, ...options });
}

const count = Type.Integer({ minimum: 0 });
const ms = Type.Number({ minimum: 0 });

export const HealthSchema = Type.Object({ status: Type.Literal('ok') }, { $id: 'Health' });

export const ReadinessSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
    checks: Type.Record(
      Type.String(),
      Type.Object({
        ok: Type.Boolean(),
        detail: Type.Optional(Type.String({ description: 'why the check failed (never a secret)' })),
      }),
      { description: 'one entry per dependency probed (store, bus or outbox, shutdown, …)' },
    ),
  },
  { $id: 'Readiness' },
);

const LatencySummary = open(
  { count, mean: ms, p50: ms, p95: ms, p99: ms, max: ms },
  { description: 'wall ms since start' },
);

export const StatsSchema = open(
  {
    service: Type.Literal('flashsale'),
    version: Type.String(),
    role: Type.String({ description: 'serve, api or worker' }),
    time_scale: Type.Number({
      description: 'simulated durations are multiplied by it (0.01: a 3 s payment takes 30 ms)',
    }),
    uptime_ms: count,
    queue: Type.Optional(
      open({
        name: Type.String(),
        visible: count,
        in_flight: count,
        dead_letters: count,
        unavailable: Type.Optional(
          Type.String({ description: 'the bus cannot be reached; figures are the last known' }),
        ),
      }),
    ),
    workers: Type.Optional(open({ target: count, busy: count, paused: Type.Boolean() })),
    payments: Type.Optional(
      open({
        slots: Type.Integer({ minimum: 0, description: '0 = unlimited' }),
        in_flight: count,
        waiting: count,
        latency_ms: Type.Number({ description: 'simulated latency of one payment' }),
        executed: count,
        approved: count,
        declined: count,
        errors: count,
      }),
    ),
    orders: open(
      { pending: count, processing: count, completed: count, failed: count },
      { description: 'orders in the store' },
    ),
    accepted: open({ async: count, sync: count }, { description: 'orders this process accepted since start' }),
    processed: Type.Optional(open({ completed: count, failed: count, retried: count, dead_lettered: count })),
    e2e_ms: LatencySummary,
    latency_ms: open({ async: LatencySummary, sync: LatencySummary }),
    requests: open({ total: count, by_status: Type.Record(Type.String(), count) }),
    unhandled_rejections: count,
    storage: Type.Optional(
      open({ commits: count, writes: count }, { description: 'embedded SQLite: group commits and their writes' }),
    ),
    admission: Type.Optional(
      open({ enabled: Type.Boolean(), deadline_ms: ms, in_progress: count, admitted: count, rejected: count }),
    ),
    breaker: Type.Optional(
      open({
        enabled: Type.Boolean(),
        state: Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open')]),
      }),
    ),
    processing: Type.Optional(
      open({ desired_workers: count, workers_set_by: Type.String(), paused_by_operator: Type.Boolean() }),
    ),
    autoscaler: Type.Optional(open({ enabled: Type.Boolean(), min_workers: count, max_workers: count })),
    rate_limit: Type.Optional(open({ per_second: Type.Number(), burst: count, clients: count, limited: count })),
    push: Type.Optional(open({ concurrency: count, in_flight: count, invocations: count, delivered: count })),
    outbox: Type.Optional(open({ pending: count, sent: count, published: count })),
    stock: Type.Optional(
      Type.Record(
        Type.String(),
        open({ initial: count, available: count, reserved: count, sold: count, sold_out: Type.Boolean() }),
        { description: 'units of each catalog sku now, by sku (one read of the products; no order is read)' },
      ),
    ),
    rejected: Type.Optional(
      open(
        { sold_out: count, limit_exceeded: count, price_changed: count, not_on_sale: count, unknown_sku: count },
        { description: 'orders this process refused at intake for their stock, since start' },
      ),
    ),
    reservations: Type.Optional(
      open(
        { timeout_ms: ms, sweeps: count, expired: count, taken_first: count, last_sweep_at: Type.Number() },
        { description: 'with --reservation-timeout: orders this process failed as expired since start' },
      ),
    ),
    dashboard: Type.Optional(
      open(
        { clients: count, dropped: count },
        { description: 'live dashboard streams open, and dropped for falling behind' },
      ),
    ),
  },
  { $id: 'Stats', description: 'The figures of this process; docs/api.md describes every key.' },
);
