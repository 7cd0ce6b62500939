/**
 * The options of a load-test run and their resolution: a built-in scenario
 * supplies the defaults, explicit options override them, and contradictions
 * become a `UsageError` that names the option.
 */
import { UsageError } from './parse.js';
import type { PayloadKind } from './payload.js';
import {
  defaultLatencyClock,
  type LatencyClock,
  type LoadMode,
  type LoadTestConfig,
  type ServerInfo,
  type Threshold,
} from './results.js';
import { SCENARIOS, scenarioNames } from './scenarios.js';
import { SELLOUT_SKU } from './sellout.js';
import { parseThresholds } from './thresholds.js';

/** Durations are simulated milliseconds; the time scale turns them into wall time. */
export interface LoadTestOptions {
  /**
   * Base URL of the target, e.g. `http://127.0.0.1:3000`; several (a list, or
   * joined by commas) take the requests in turn, round robin.
   */
  host: string | readonly string[];
  /** Built-in scenario whose settings are the defaults. Default `normal`. */
  scenario?: string;
  /** `sync` (POST /orders/sync), `async` (POST /orders/async) or any path. Default the scenario's, else `sync`. */
  endpoint?: string;
  /** Default POST for the order endpoints, GET for other paths. */
  method?: string;
  /** Default the scenario's (`sellout` for the sellout scenario), else `order` for POST, `none` otherwise. */
  payload?: PayloadKind;
  /** The product a `sellout` payload orders. Default FLASH-001. */
  sku?: string;
  /** Closed loop (default unless the scenario is open): users, users started per second, pause range. */
  users?: number;
  spawnRate?: number;
  waitMs?: [number, number];
  /** Open loop: requests per simulated second, sent at fixed intended times. */
  rate?: number;
  runTimeMs?: number;
  /** Per-request client timeout. Default from the scenario (10 s). */
  timeoutMs?: number;
  /**
   * How long to let requests in flight finish when the run time is over; the rest
   * are abandoned and not counted. Default 0 for closed loop (Locust's default),
   * the request timeout for open loop (every scheduled request gets an answer or a timeout).
   */
  stopTimeoutMs?: number;
  /** Multiplier on every simulated duration, or `auto` to read the target's /stats `time_scale` (else 1). Default `auto`. */
  timeScale?: number | 'auto';
  /** Whether response times stand for simulated or wall time. Default: simulated for paths with `/sync`, wall otherwise. */
  latencyClock?: LatencyClock;
  /** Status codes that count as success. Default 200 for sync, 202 for async, any 2xx for other paths. */
  expectStatus?: number[];
  /** Seed of the random waits and payloads. Default random (recorded in the results). */
  seed?: number;
  /** Most connections to open. Default: one per user (closed loop), 1000 (open loop). */
  connections?: number | null;
  /** Name of the run. Default `<scenario>-<endpoint>`. */
  label?: string;
  /** Sample the target's /stats every simulated second: `auto` when it answers. Default `auto`. */
  sampleServer?: boolean | 'auto';
  /** Accepted async orders to follow to payment (a uniform sample). Default 200. */
  trackOrders?: number;
  /** After the load, how long to keep polling tracked orders until they are paid (simulated ms). Default 0 (one pass). */
  trackWaitMs?: number;
  /** Keep one record per request in the results. Default false. */
  recordRequests?: boolean;
  /** Pass/fail criteria such as `p95<100ms` (thresholds.ts), judged at the end. Default none. */
  thresholds?: readonly string[];
}

/** Options with every default filled in, before the time scale is known. */
export interface LoadPlan {
  /** The targets joined by commas, as --host takes them. */
  host: string;
  hosts: string[];
  scenario: string;
  label: string;
  endpoint: string;
  path: string;
  method: string;
  payload: PayloadKind;
  /** The product of a `sellout` payload. */
  sku: string;
  mode: LoadMode;
  users: number;
  spawnRate: number;
  waitMs: [number, number];
  rate: number;
  runTimeMs: number;
  timeoutMs: number;
  stopTimeoutMs: number;
  timeScale: number | 'auto';
  latencyClock: LatencyClock;
  expectStatus: number[];
  seed: number;
  connections: number | null;
  sampleServer: boolean | 'auto';
  trackOrders: number;
  trackWaitMs: number;
  recordRequests: boolean;
  thresholds: Threshold[];
}

const ENDPOINTS: Record<string, string> = { sync: '/orders/sync', async: '/orders/async' };

export function resolvePlan(options: LoadTestOptions): LoadPlan {
  const scenarioName = options.scenario ?? 'normal';
  const scenario = SCENARIOS[scenarioName];
  if (!scenario) {
    throw new UsageError(`unknown scenario "${scenarioName}" (choose one of: ${scenarioNames().join(', ')})`);
  }
  const hosts = normalizeHosts(options.host);
  const endpoint = options.endpoint ?? scenario.endpoint ?? 'sync';
  const path = ENDPOINTS[endpoint] ?? endpoint;
  if (!path.startsWith('/')) {
    throw new UsageError(`--endpoint: expected sync, async or a path starting with "/", got "${endpoint}"`);
  }
  const method = (options.method ?? (ENDPOINTS[endpoint] ? 'POST' : 'GET')).toUpperCase();
  const payload = options.payload ?? (method === 'POST' || method === 'PUT' ? (scenario.payload ?? 'order') : 'none');
  if (options.sku !== undefined && payload !== 'sellout') {
    throw new UsageError('--sku: applies to the sellout payload only (scenario sellout, or --payload sellout)');
  }

  const closedGiven = options.users !== undefined || options.spawnRate !== undefined || options.waitMs !== undefined;
  if (closedGiven && options.rate !== undefined) {
    throw new UsageError('--rate (open loop) cannot be combined with --users, --spawn-rate or --wait (closed loop)');
  }
  const mode: LoadMode = options.rate !== undefined ? 'open' : closedGiven ? 'closed' : scenario.mode;
  const closedDefaults = scenario.mode === 'closed' ? scenario : SCENARIOS.normal!;

  const plan: LoadPlan = {
    host: hosts.join(','),
    hosts,
    scenario: scenarioName,
    label: options.label ?? `${scenarioName}-${ENDPOINTS[endpoint] ? endpoint : slug(path)}`,
    endpoint,
    path,
    method,
    payload,
    sku: options.sku ?? SELLOUT_SKU,
    mode,
    users: options.users ?? closedDefaults.users!,
    spawnRate: options.spawnRate ?? closedDefaults.spawnRate!,
    waitMs: options.waitMs ?? closedDefaults.waitMs!,
    rate: options.rate ?? scenario.rate ?? 60,
    runTimeMs: options.runTimeMs ?? scenario.runTimeMs,
    timeoutMs: options.timeoutMs ?? scenario.timeoutMs,
    stopTimeoutMs: 0,
    timeScale: options.timeScale ?? 'auto',
    latencyClock: options.latencyClock ?? defaultLatencyClock(path),
    expectStatus: options.expectStatus ?? (endpoint === 'sync' ? [200] : endpoint === 'async' ? [202] : []),
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 31),
    connections: options.connections === undefined ? (mode === 'closed' ? null : 1000) : options.connections,
    sampleServer: options.sampleServer ?? 'auto',
    trackOrders: options.trackOrders ?? 200,
    trackWaitMs: options.trackWaitMs ?? 0,
    recordRequests: options.recordRequests ?? false,
    thresholds: parseThresholds(options.thresholds ?? []),
  };
  plan.stopTimeoutMs = options.stopTimeoutMs ?? (mode === 'open' ? plan.timeoutMs : 0);
  if (mode === 'closed' && plan.connections === null) plan.connections = plan.users;
  validate(plan);
  return plan;
}

/** The run's configuration once the time scale is known (from the flag, else the server's /stats, else 1). */
export function settleConfig(plan: LoadPlan, info: ServerInfo | undefined, notes: string[]): LoadTestConfig {
  let timeScale = 1;
  let timeScaleSource: LoadTestConfig['timeScaleSource'] = 'default';
  if (plan.timeScale !== 'auto') {
    timeScale = plan.timeScale;
    timeScaleSource = 'flag';
    if (info?.timeScale !== undefined && info.timeScale !== timeScale) {
      notes.push(`the server runs at time scale ${info.timeScale} but this run used ${timeScale}`);
    }
  } else if (info?.timeScale !== undefined) {
    timeScale = info.timeScale;
    timeScaleSource = 'server';
  }
  return {
    scenario: plan.scenario,
    label: plan.label,
    host: plan.host,
    hosts: plan.hosts,
    endpoint: plan.endpoint,
    path: plan.path,
    method: plan.method,
    payload: plan.payload,
    ...(plan.payload === 'sellout' ? { sku: plan.sku } : {}),
    mode: plan.mode,
    ...(plan.mode === 'closed'
      ? { users: plan.users, spawnRate: plan.spawnRate, waitMs: plan.waitMs }
      : { rate: plan.rate }),
    runTimeMs: plan.runTimeMs,
    timeoutMs: plan.timeoutMs,
    stopTimeoutMs: plan.stopTimeoutMs,
    timeScale,
    timeScaleSource,
    latencyClock: plan.latencyClock,
    seed: plan.seed,
    connections: plan.connections,
  };
}

function validate(plan: LoadPlan): void {
  const positive: [string, number][] = [
    ['--run-time', plan.runTimeMs],
    ['--timeout', plan.timeoutMs],
    ['--spawn-rate', plan.spawnRate],
    ['--rate', plan.rate],
  ];
  for (const [flag, value] of positive) {
    if (!(value > 0) || !Number.isFinite(value)) throw new UsageError(`${flag}: must be greater than zero`);
  }
  if (!Number.isInteger(plan.users) || plan.users < 1) throw new UsageError('--users: must be a whole number ≥ 1');
  if (plan.waitMs[0] < 0 || plan.waitMs[1] < plan.waitMs[0]) throw new UsageError('--wait: expected 0 ≤ MIN ≤ MAX');
  if (plan.stopTimeoutMs < 0) throw new UsageError('--stop-timeout: must not be negative');
  if (plan.timeScale !== 'auto') checkTimeScale(plan.timeScale);
  if (plan.connections !== null && (!Number.isInteger(plan.connections) || plan.connections < 1)) {
    throw new UsageError('--connections: must be a whole number ≥ 1');
  }
  for (const code of plan.expectStatus) {
    if (!Number.isInteger(code) || code < 100 || code > 599)
      throw new UsageError(`--expect: ${code} is not an HTTP status`);
  }
}

export function checkTimeScale(scale: number): void {
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new UsageError(`--time-scale: expected a positive number or "auto", got ${scale}`);
  }
}

function normalizeHosts(host: string | readonly string[]): string[] {
  const list = (typeof host === 'string' ? host.split(',') : host).map((h) => h.trim());
  if (list.length === 0 || list.some((h) => h === '')) {
    throw new UsageError(`--host: expected URL[,URL…], got "${String(host)}"`);
  }
  return list.map(normalizeHost);
}

function normalizeHost(host: string): string {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new UsageError(`--host: "${host}" is not a URL (example: http://127.0.0.1:3000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--host: only http:// and https:// targets are supported, got "${url.protocol}"`);
  }
  return url.origin;
}

function slug(path: string): string {
  return (
    path
      .replace(/^\/+/, '')
      .replace(/[^a-zA-Z0-9]+/g, '-')
      .replace(/-+$/, '') || 'root'
  );
}

/** True when `status` counts as a success for the plan. */
export function successPredicate(expect: readonly number[]): (status: number) => boolean {
  if (expect.length === 0) return (status) => status >= 200 && status < 300;
  if (expect.length === 1) {
    const only = expect[0];
    return (status) => status === only;
  }
  const set = new Set(expect);
  return (status) => set.has(status);
}
