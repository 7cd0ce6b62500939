/**
 * `runLoadTest`: one run from options to results document — probe the target,
 * settle the time scale, generate the load, sample /stats, follow accepted
 * orders, and assemble every figure.
 */
import type { Dispatcher } from 'undici';
import { sleepUnlessAborted } from './deadlines.js';
import { ClosedLoop, type Driver, type Fire, OpenLoop } from './drivers.js';
import { createRequester, type Requester, type SettledRequest } from './http-client.js';
import { type LoadPlan, type LoadTestOptions, resolvePlan, settleConfig, successPredicate } from './options.js';
import { OrderTracker } from './order-tracker.js';
import { formatDuration } from './parse.js';
import { bodyFactory, createRandom } from './payload.js';
import { assembleResult, type Completion, StatsRecorder, type WindowFigures } from './recorder.js';
import type { LoadTestConfig, LoadTestResult, ServerInfo, ServerSample, TargetFigures } from './results.js';
import { RoundRobinRequester } from './round-robin.js';
import { SelloutTally } from './sellout.js';
import { probeTargets, ServerSampler, serverInfo } from './server-stats.js';
import { evaluateThresholds } from './thresholds.js';

/** The target could not be reached at all; nothing was measured. */
export class TargetUnreachableError extends Error {
  readonly code = 'UNREACHABLE';
  override readonly name = 'TargetUnreachableError';
}

export interface ProgressSnapshot {
  label: string;
  phase: 'running' | 'stopping' | 'tracking';
  /** Wall ms since the start, and the run time in wall ms. */
  elapsedMs: number;
  runTimeMs: number;
  timeScale: number;
  /** Users running (closed loop) or requests in flight (open loop). */
  users: number;
  requests: number;
  failures: number;
  inFlight: number;
  /** Figures since the previous snapshot (wall units). */
  current: WindowFigures;
  server?: ServerSample;
}

export interface RunHooks {
  /** Called once the configuration is settled (time scale known), before the first request. */
  onStart?(config: LoadTestConfig): void;
  onProgress?(snapshot: ProgressSnapshot): void;
  /** Wall ms between progress snapshots. Default 1000. */
  progressIntervalMs?: number;
  /** Aborting stops the load early; the results so far are still returned. */
  signal?: AbortSignal;
}

export async function runLoadTest(options: LoadTestOptions, hooks: RunHooks = {}): Promise<LoadTestResult> {
  const plan = resolvePlan(options);
  const probe = await probeTargets(plan.hosts);
  if (!probe.reachable) {
    throw new TargetUnreachableError(
      `cannot reach ${probe.host}: ${probe.error} (is the server running? try: flashsale serve)`,
    );
  }
  const info = probe.stats ? serverInfo(probe.stats) : undefined;
  const notes = [...probe.notes];
  const config = settleConfig(plan, info, notes);
  const sellout = plan.payload === 'sellout' ? await SelloutTally.start(plan.hosts[0]!, plan.sku, notes) : undefined;
  hooks.onStart?.(config);
  const result = await new Run(plan, config, info, probe.statsHost, notes, hooks, sellout).execute();
  if (sellout) result.sellout = await sellout.finish(config.timeScale);
  if (plan.thresholds.length > 0) result.thresholds = evaluateThresholds(plan.thresholds, result);
  return result;
}

class Run {
  private readonly scale: number;
  private readonly requester: Requester;
  private readonly recorder: StatsRecorder;
  private readonly tracker: OrderTracker;
  private readonly driver: Driver;
  private sampler: ServerSampler | undefined;
  private startTime = 0;
  private phase: ProgressSnapshot['phase'] = 'running';
  private drained: (() => void) | undefined;
  private readonly timeoutText: string;
  private readonly isSuccess: (status: number) => boolean;
  /** Requests recorded per target (reported when there are several). */
  private readonly targets: TargetFigures[];
  private readonly scratch: Completion = {
    latencyMs: 0,
    ok: false,
    bytes: 0,
    intendedMs: 0,
    sentMs: 0,
    endMs: 0,
  };

  constructor(
    private readonly plan: LoadPlan,
    private readonly config: LoadTestConfig,
    private readonly info: ServerInfo | undefined,
    private readonly statsHost: string | undefined,
    private readonly notes: string[],
    private readonly hooks: RunHooks,
    private readonly sellout: SelloutTally | undefined,
  ) {
    this.scale = config.timeScale;
    const timeoutWall = config.timeoutMs * this.scale;
    this.timeoutText =
      this.scale === 1
        ? `timeout: no answer within ${formatDuration(config.timeoutMs)}`
        : `timeout: no answer within ${formatDuration(config.timeoutMs)} (${formatDuration(timeoutWall)} of wall time at scale ${this.scale})`;
    this.isSuccess = successPredicate(plan.expectStatus);
    this.targets = plan.hosts.map((host) => ({ host, requests: 0, failures: 0 }));
    const requesters = this.targets.map((target) =>
      createRequester(target.host, {
        timeoutMs: timeoutWall,
        connections: plan.connections,
        // A sellout run reads each 409's error; a tracked order's id is in its 202.
        keepBody: plan.payload === 'sellout' || (plan.trackOrders > 0 && plan.payload === 'order'),
        onSettled: (request) => this.onSettled(request, target),
      }),
    );
    this.requester = requesters.length === 1 ? requesters[0]! : new RoundRobinRequester(requesters);
    this.recorder = new StatsRecorder({
      method: plan.method,
      name: plan.path,
      bucketMs: 1000 * this.scale,
      users: () => (plan.mode === 'closed' ? this.driver.active : this.requester.inFlight),
      recordRequests: plan.recordRequests,
    });
    const random = createRandom(plan.seed);
    this.tracker = new OrderTracker(plan.trackOrders, createRandom(plan.seed ^ 0x5eed));
    const fire = this.makeFire(createRandom(plan.seed ^ 0xb0d1));
    this.driver =
      plan.mode === 'closed'
        ? new ClosedLoop(fire, {
            users: plan.users,
            usersPerSpawn: Math.max(1, Math.floor(plan.spawnRate)),
            spawnIntervalMs: ((1000 * Math.max(1, Math.floor(plan.spawnRate))) / plan.spawnRate) * this.scale,
            waitMs: [plan.waitMs[0] * this.scale, plan.waitMs[1] * this.scale],
            random,
          })
        : new OpenLoop(fire, { intervalMs: (1000 / plan.rate) * this.scale, durationMs: plan.runTimeMs * this.scale });
  }

  private makeFire(random: () => number): Fire {
    const method = this.plan.method as Dispatcher.HttpMethod;
    const path = this.plan.path;
    if (this.plan.payload === 'none') {
      // Nothing in the request changes: one spec serves them all.
      const spec = { method, path, body: undefined };
      return (intendedAt, then) => this.requester.send(spec, intendedAt, then);
    }
    const nextBody = bodyFactory(this.plan.payload, Math.floor(random() * 2 ** 31), this.sellout?.item);
    return (intendedAt, then) => this.requester.send({ method, path, body: nextBody() }, intendedAt, then);
  }

  /** Records a settled request; one scratch object serves every request (the recorder copies what it keeps). */
  private onSettled(r: SettledRequest, target: TargetFigures): void {
    const c = this.scratch;
    c.latencyMs = r.endedAt - r.intendedAt;
    c.intendedMs = r.intendedAt - this.startTime;
    c.sentMs = r.sentAt - this.startTime;
    c.endMs = r.endedAt - this.startTime;
    c.bytes = r.bytes;
    if (r.kind === 'response') {
      c.status = r.status;
      c.ok = this.isSuccess(r.status);
      if (c.ok) {
        c.kind = undefined;
        c.error = undefined;
        if (r.status === 202) this.tracker.offer(r.body, target.host);
      } else {
        c.kind = 'http';
        c.error = `HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}`;
      }
      this.sellout?.settle(r.status, r.body, c);
    } else {
      c.ok = false;
      c.status = undefined;
      c.bytes = 0;
      c.kind = r.kind;
      c.error = r.kind === 'timeout' ? this.timeoutText : `connection error: ${r.code}`;
    }
    this.recorder.record(c);
    target.requests++;
    if (!c.ok) target.failures++;
    if (this.drained && this.requester.inFlight === 0) this.drained();
    r.then?.();
  }

  async execute(): Promise<LoadTestResult> {
    const { plan, scale } = this;
    const startedAt = new Date();
    this.startTime = performance.now();
    if (this.info && this.statsHost && plan.sampleServer !== false) {
      this.sampler = new ServerSampler(
        this.statsHost,
        Math.max(1000 * scale, 20),
        (wallMs) => wallMs / (1000 * scale),
        this.startTime,
      );
      this.sampler.start();
    } else if (plan.sampleServer === true) {
      this.notes.push('the target has no flashsale /stats: nothing sampled');
    }
    const ticker = this.startTicker();
    this.driver.start();

    await this.sleepUnlessAborted(plan.runTimeMs * scale);
    this.driver.stop();
    const durationMs = performance.now() - this.startTime;

    this.phase = 'stopping';
    await this.drain(plan.stopTimeoutMs * scale);
    const cancelledAtStop = this.requester.cancelAll();
    this.recorder.finish(performance.now() - this.startTime);
    await this.sampler?.stop();

    this.phase = 'tracking';
    const endToEnd = await this.tracker.resolve(plan.trackWaitMs * scale, Math.max(1000 * scale, 20));
    clearInterval(ticker);
    await this.requester.close();
    return this.assemble(startedAt, durationMs, cancelledAtStop, endToEnd);
  }

  private startTicker(): NodeJS.Timeout {
    const interval = this.hooks.progressIntervalMs ?? 1000;
    const tickMs = Math.max(5, Math.min(250, interval, 1000 * this.scale));
    let lastProgress = performance.now();
    return setInterval(() => {
      const now = performance.now();
      if (this.phase === 'running') this.recorder.advance(now - this.startTime);
      if (this.hooks.onProgress && now - lastProgress >= interval) {
        lastProgress = now;
        this.hooks.onProgress(this.snapshot(now));
      }
    }, tickMs);
  }

  private snapshot(now: number): ProgressSnapshot {
    const server = this.sampler?.latest;
    return {
      label: this.config.label,
      phase: this.phase,
      elapsedMs: now - this.startTime,
      runTimeMs: this.plan.runTimeMs * this.scale,
      timeScale: this.scale,
      users: this.plan.mode === 'closed' ? this.driver.active : this.requester.inFlight,
      requests: this.recorder.count,
      failures: this.recorder.failures,
      inFlight: this.requester.inFlight,
      current: this.recorder.window(),
      ...(server ? { server } : {}),
    };
  }

  private sleepUnlessAborted(ms: number): Promise<void> {
    return sleepUnlessAborted(ms, this.hooks.signal);
  }

  /** Waits for the requests in flight to settle, for at most `ms` (plus a little, so the last timeouts can fire). */
  private async drain(ms: number): Promise<void> {
    if (ms <= 0 || this.requester.inFlight === 0) return;
    await Promise.race([
      new Promise<void>((resolve) => {
        this.drained = resolve;
      }),
      this.sleepUnlessAborted(ms + Math.max(20, ms * 0.02)),
    ]);
    this.drained = undefined;
  }

  private assemble(
    startedAt: Date,
    durationMs: number,
    cancelledAtStop: number,
    endToEnd: LoadTestResult['endToEnd'],
  ): LoadTestResult {
    if (cancelledAtStop > 0) {
      this.notes.push(`${cancelledAtStop} request(s) still in flight at the end were abandoned and not counted`);
    }
    const result = assembleResult(this.recorder, {
      config: this.config,
      startedAt,
      endedAt: new Date(),
      durationMs,
      cancelledAtStop,
      notes: this.notes,
      ...(this.info ? { server: { info: this.info, samples: this.sampler?.samples ?? [] } } : {}),
      ...(endToEnd ? { endToEnd } : {}),
    });
    if (this.targets.length > 1) result.targets = this.targets;
    return result;
  }
}
