/**
 * A small closed-loop load driver like the study's Locust users: each user
 * sends one order, waits for the answer (or gives up at the client timeout),
 * pauses a random while, and sends the next. All times are wall ms; callers
 * scale the study's figures with their time scale.
 */
import { Agent, fetch } from 'undici';
import { sampleOrder } from './orders.js';

export interface ClosedLoopOptions {
  /** Full URL, e.g. http://127.0.0.1:1234/orders/sync. */
  url: string;
  /** Concurrent users. */
  users: number;
  /** Users started per second (wall). */
  spawnPerSecond: number;
  /** How long users keep sending, wall ms. */
  durationMs: number;
  /** Pause between a user's requests, uniform in [min, max] wall ms. */
  waitMs: [number, number];
  /** Client timeout, wall ms. */
  timeoutMs: number;
  headers?: Record<string, string>;
}

export interface RequestRecord {
  /** Wall ms since the run started. */
  start: number;
  end: number;
  status: number | 'timeout' | 'error';
}

export interface ClosedLoopResult {
  records: RequestRecord[];
  /** Wall ms the run lasted (users stop sending at durationMs; answers may come later). */
  durationMs: number;
}

export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const records: RequestRecord[] = [];
  const t0 = performance.now();
  const elapsed = () => performance.now() - t0;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  // The run's own connections, closed at the end: a server keeps a connection
  // that was busy when it stopped open for its whole keep-alive timeout.
  const dispatcher = new Agent();

  const user = async (index: number) => {
    await sleep((index * 1000) / options.spawnPerSecond);
    let n = 0;
    while (elapsed() < options.durationMs) {
      const start = elapsed();
      let status: RequestRecord['status'];
      try {
        const response = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          body: JSON.stringify(sampleOrder(1000 + ((index * 37 + n++) % 1000), n)),
          signal: AbortSignal.timeout(options.timeoutMs),
          dispatcher,
        });
        await response.arrayBuffer();
        status = response.status;
      } catch (error) {
        status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'error';
      }
      records.push({ start, end: elapsed(), status });
      const [min, max] = options.waitMs;
      await sleep(min + Math.random() * (max - min));
    }
  };

  await Promise.all(Array.from({ length: options.users }, (_, i) => user(i)));
  await dispatcher.destroy();
  return { records, durationMs: options.durationMs };
}

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

export interface FlashFigures {
  requests: number;
  successes: number;
  timeouts: number;
  rejected: number;
  other: number;
  /** Successful orders per simulated second over the whole run. */
  successPerSecond: number;
  /** Successes per simulated second from the first success to the last (the busy period). */
  busyRate: number;
  rejectionP99Ms: number;
}

/** Figures of a closed-loop run at `timeScale`, rates in simulated seconds. */
export function flashFigures(result: ClosedLoopResult, timeScale: number): FlashFigures {
  const { records, durationMs } = result;
  const ok = records.filter((r) => r.status === 200 && r.end <= durationMs).sort((a, b) => a.end - b.end);
  const rejected = records.filter((r) => r.status === 503);
  const first = ok[0];
  const last = ok[ok.length - 1];
  const busySimMs = first && last ? (last.end - first.end) / timeScale : 0;
  return {
    requests: records.length,
    successes: ok.length,
    timeouts: records.filter((r) => r.status === 'timeout').length,
    rejected: rejected.length,
    other: records.filter((r) => r.status !== 200 && r.status !== 503 && r.status !== 'timeout').length,
    successPerSecond: ok.length / (durationMs / timeScale / 1000),
    busyRate: busySimMs > 0 ? ((ok.length - 1) / busySimMs) * 1000 : 0,
    rejectionP99Ms: percentile(
      rejected.map((r) => r.end - r.start),
      99,
    ),
  };
}
