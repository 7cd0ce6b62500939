/**
 * What the load generator reads from a flashsale server's public `GET /stats`
 * (docs/api.md): a probe at start (is it a flashsale server, at what time
 * scale) and a sampler that records the queue, workers, payments and orders
 * every simulated second. Unknown or missing keys are tolerated.
 */
import { request } from 'undici';
import type { ServerInfo, ServerSample } from './results.js';

export type ProbeResult =
  | { reachable: true; stats: Record<string, unknown> | undefined }
  | { reachable: false; error: string };

/** GETs /stats once; `stats` is set only when the answer looks like a flashsale server's. */
export async function probeServer(host: string, timeoutMs = 3000): Promise<ProbeResult> {
  try {
    const stats = await fetchStats(host, timeoutMs);
    return { reachable: true, stats };
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const code = err.code ?? err.name;
    // Something that accepts connections is reachable, even if it resets them or answers slowly.
    return UNREACHABLE.has(code) ? { reachable: false, error: code } : { reachable: true, stats: undefined };
  }
}

/** What the probes of every target found: the first unreachable one, or which one /stats is read from. */
export type TargetsProbe =
  | { reachable: false; host: string; error: string }
  | { reachable: true; statsHost: string | undefined; stats: Record<string, unknown> | undefined; notes: string[] };

/**
 * Probes every target at once. /stats is read from the first flashsale target:
 * behind one store and queue, every node shows the same queue and orders.
 */
export async function probeTargets(hosts: readonly string[]): Promise<TargetsProbe> {
  const probes = await Promise.all(hosts.map((host) => probeServer(host)));
  const notes: string[] = [];
  let statsHost: string | undefined;
  let stats: Record<string, unknown> | undefined;
  for (const [i, probe] of probes.entries()) {
    const host = hosts[i]!;
    if (!probe.reachable) return { reachable: false, host, error: probe.error };
    if (!probe.stats) continue;
    if (!stats) {
      statsHost = host;
      stats = probe.stats;
    } else if (probe.stats.time_scale !== stats.time_scale) {
      notes.push(
        `${host} runs at time scale ${String(probe.stats.time_scale)}, ${statsHost} at ${String(stats.time_scale)}`,
      );
    }
  }
  if (stats && hosts.length > 1) notes.push(`server /stats sampled from ${statsHost} (the first flashsale target)`);
  return { reachable: true, statsHost, stats, notes };
}

/** Errors that mean nothing listens at the target. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

async function fetchStats(host: string, timeoutMs: number): Promise<Record<string, unknown> | undefined> {
  const response = await request(`${host}/stats`, {
    method: 'GET',
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) return undefined;
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object' && 'time_scale' in json && 'queue' in json) {
      return json as Record<string, unknown>;
    }
  } catch {
    // not JSON: not a flashsale server
  }
  return undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function section(stats: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = stats[key];
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** Facts that stay fixed during a run: time scale, payment latency and slots, workers. */
export function serverInfo(stats: Record<string, unknown>): ServerInfo {
  const payments = section(stats, 'payments');
  const workers = section(stats, 'workers');
  const info: ServerInfo = {};
  const assign = (key: keyof ServerInfo, value: number | undefined) => {
    if (value !== undefined) info[key] = value;
  };
  assign('timeScale', num(stats.time_scale));
  assign('paymentLatencyMs', num(payments.latency_ms));
  assign('paymentSlots', num(payments.slots));
  assign('workers', num(workers.target));
  return info;
}

/** The figures of one /stats reading that the report charts. */
export function serverSample(stats: Record<string, unknown>, t: number, wallMs: number): ServerSample {
  const queue = section(stats, 'queue');
  const workers = section(stats, 'workers');
  const payments = section(stats, 'payments');
  const processed = section(stats, 'processed');
  const sample: ServerSample = { t, wallMs };
  const assign = (key: Exclude<keyof ServerSample, 'orders' | 't' | 'wallMs'>, value: number | undefined) => {
    if (value !== undefined) sample[key] = value;
  };
  assign('queueVisible', num(queue.visible));
  assign('queueInFlight', num(queue.in_flight));
  assign('deadLetters', num(queue.dead_letters));
  assign('workers', num(workers.target));
  assign('workersBusy', num(workers.busy));
  assign('paymentsInFlight', num(payments.in_flight));
  assign('paymentsWaiting', num(payments.waiting));
  const completed = num(processed.completed);
  const failed = num(processed.failed);
  if (completed !== undefined || failed !== undefined) sample.processed = (completed ?? 0) + (failed ?? 0);
  const orders = section(stats, 'orders');
  const counts: Record<string, number> = {};
  for (const [status, value] of Object.entries(orders)) {
    const n = num(value);
    if (n !== undefined) counts[status] = n;
  }
  if (Object.keys(counts).length > 0) sample.orders = counts;
  return sample;
}

/** Reads /stats every `intervalMs` (wall) while a run lasts; a slow answer delays the next reading. */
export class ServerSampler {
  readonly samples: ServerSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly host: string,
    private readonly intervalMs: number,
    /** Wall ms → simulated seconds since the run started. */
    private readonly toSimulatedSeconds: (wallMs: number) => number,
    private readonly startTime: number,
  ) {}

  start(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sample().finally(() => {
        this.running = undefined;
        this.schedule(this.intervalMs);
      });
    }, delayMs);
  }

  /** Takes one reading now; failures are skipped (the server may be too busy to answer). */
  async sample(): Promise<void> {
    const wallMs = performance.now() - this.startTime;
    try {
      const stats = await fetchStats(this.host, Math.max(this.intervalMs * 5, 2000));
      if (stats) this.samples.push(serverSample(stats, this.toSimulatedSeconds(wallMs), wallMs));
    } catch {
      // a missed reading is a gap in the chart, not a failed run
    }
  }

  get latest(): ServerSample | undefined {
    return this.samples.at(-1);
  }

  /** Stops sampling after a last reading. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.sample();
  }
}
