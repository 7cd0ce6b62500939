/**
 * Results documents with known figures, made through the generator's own
 * recorder (so the statistics are computed exactly as in a real run): the
 * seed's two synchronous runs, and an asynchronous run with a growing queue.
 */
import { assembleResult, StatsRecorder } from '../../../src/loadtest/recorder.js';
import type {
  ErrorKind,
  LoadTestConfig,
  LoadTestResult,
  ServerInfo,
  ServerSample,
} from '../../../src/loadtest/results.js';

export interface SyntheticRequest {
  /** Study seconds after the start at which the request completed. */
  atS: number;
  /** Study ms (raw = × scale for simulated-time runs). */
  latencyMs: number;
  ok: boolean;
  kind?: ErrorKind;
}

export interface SyntheticSpec {
  label: string;
  scenario: string;
  path: string;
  durationS: number;
  requests: SyntheticRequest[];
  timeScale?: number;
  users?: number;
  rate?: number;
  timeoutMs?: number;
  server?: { info: ServerInfo; samples: Omit<ServerSample, 'wallMs'>[] };
}

export function syntheticResult(spec: SyntheticSpec): LoadTestResult {
  const scale = spec.timeScale ?? 1;
  const clock = spec.path.includes('/sync') ? 'simulated' : 'wall';
  const toRawLatency = clock === 'simulated' ? scale : 1;
  const config: LoadTestConfig = {
    scenario: spec.scenario,
    label: spec.label,
    host: 'http://127.0.0.1:8080',
    endpoint: spec.path.includes('/sync') ? 'sync' : 'async',
    path: spec.path,
    method: 'POST',
    payload: 'order',
    mode: spec.rate ? 'open' : 'closed',
    ...(spec.rate ? { rate: spec.rate } : { users: spec.users ?? 20, spawnRate: 10, waitMs: [100, 500] }),
    runTimeMs: spec.durationS * 1000,
    timeoutMs: spec.timeoutMs ?? 10_000,
    stopTimeoutMs: 0,
    timeScale: scale,
    timeScaleSource: scale === 1 ? 'default' : 'server',
    latencyClock: clock,
    seed: 1,
    connections: spec.users ?? 20,
  };
  const recorder = new StatsRecorder({
    method: 'POST',
    name: spec.path,
    bucketMs: 1000 * scale,
    users: () => spec.users ?? 20,
  });
  const ok = spec.path.includes('/sync') ? 200 : 202;
  for (const r of [...spec.requests].sort((a, b) => a.atS - b.atS)) {
    const endMs = r.atS * 1000 * scale;
    const latencyMs = r.latencyMs * toRawLatency;
    const kind = r.ok ? undefined : (r.kind ?? 'timeout');
    recorder.record({
      latencyMs,
      ok: r.ok,
      ...(r.ok ? { status: ok } : kind === 'http' ? { status: 503 } : {}),
      ...(kind
        ? {
            kind,
            error:
              kind === 'timeout'
                ? 'timeout: no answer within 10s'
                : kind === 'http'
                  ? 'HTTP 503 Service Unavailable'
                  : 'connection error: ECONNRESET',
          }
        : {}),
      bytes: 200,
      intendedMs: endMs - latencyMs,
      sentMs: endMs - latencyMs,
      endMs,
    });
  }
  const durationMs = spec.durationS * 1000 * scale;
  recorder.finish(durationMs);
  const started = new Date('2026-01-24T10:00:00Z');
  return assembleResult(recorder, {
    config,
    startedAt: started,
    endedAt: new Date(started.getTime() + durationMs),
    durationMs,
    cancelledAtStop: 0,
    notes: [],
    ...(spec.server
      ? {
          server: {
            info: spec.server.info,
            samples: spec.server.samples.map((s) => ({ ...s, wallMs: s.t * 1000 * scale })),
          },
        }
      : {}),
  });
}

/** Spreads `n` values evenly over [from, to]. */
function spread(n: number, from: number, to: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? from : from + ((to - from) * i) / (n - 1)));
}

/**
 * A normal run with the seed's failure share: 12 requests in 30 s, 4 of them timeouts (33.3 %),
 * successes from 3.1 s to 9.1 s — at most one payment slot's worth (the seed's 18 needed two slots).
 */
export function seedNormal(scale = 1): LoadTestResult {
  const successes = spread(8, 3089, 9100).map((latencyMs, i) => ({ atS: 3.1 + i * 3, latencyMs, ok: true }));
  const timeouts = spread(4, 10_000, 10_047).map((latencyMs, i) => ({ atS: 21 + i * 2.5, latencyMs, ok: false }));
  return syntheticResult({
    label: 'normal-sync',
    scenario: 'normal',
    path: '/orders/sync',
    durationS: 30,
    users: 5,
    requests: [...successes, ...timeouts],
    timeScale: scale,
  });
}

/** The seed's flash-sale run: 45 requests in 30 s, 39 timeouts (86.7 %), 6 successes at 3.09–3.2 s. */
export function seedFlash(scale = 1): LoadTestResult {
  const successes = spread(6, 3094, 3200).map((latencyMs, i) => ({ atS: 3.1 + i * 0.6, latencyMs, ok: true }));
  const timeouts = spread(39, 10_000, 10_089).map((latencyMs, i) => ({ atS: 10.05 + i * 0.5, latencyMs, ok: false }));
  return syntheticResult({
    label: 'flash-sync',
    scenario: 'flash',
    path: '/orders/sync',
    durationS: 30,
    users: 20,
    requests: [...successes, ...timeouts],
    timeScale: scale,
  });
}

/** An async flash sale: 1,800 orders in 30 s all accepted in 40–60 ms, the queue growing at ≈ 59.7/s. */
export function asyncFlash(scale = 1): LoadTestResult {
  const requests = Array.from({ length: 1800 }, (_, i) => ({
    atS: (i + 0.5) / 60,
    latencyMs: 40 + (i % 21),
    ok: true,
  }));
  const samples = Array.from({ length: 31 }, (_, t) => ({
    t,
    queueVisible: Math.max(0, Math.round(60 * t - t / 3)),
    queueInFlight: t > 0 ? 1 : 0,
    deadLetters: 0,
    workers: 1,
    processed: Math.max(0, Math.floor((t - 3) / 3) + 1),
  }));
  return syntheticResult({
    label: 'flash-async',
    scenario: 'flash',
    path: '/orders/async',
    durationS: 30,
    users: 20,
    requests,
    timeScale: scale,
    server: { info: { timeScale: scale, paymentLatencyMs: 3000, paymentSlots: 1, workers: 1 }, samples },
  });
}
