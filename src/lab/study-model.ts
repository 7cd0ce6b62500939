/**
 * The study's deployment as arithmetic: an event model of Locust's users (or a
 * fixed request rate), a balancer, and N tasks that each pay one order at a
 * time in arrival order. It is what the lab's study phases should measure if
 * the model explains the study; the report prints it beside the seed and the lab.
 *
 * Locust's rules, as the load generator follows them: users start ⌊rate⌋ at a
 * time every ⌊rate⌋ ÷ rate s, send at once, pause a random wait after each
 * answer or timeout; an answer after the timeout is a failure at the timeout;
 * requests still open when the run time ends are not counted; requests/s is
 * requests ÷ time to the last answer.
 */
import { createRandom } from '../loadtest/index.js';

export type StudyLoad =
  | { kind: 'closed'; users: number; spawnRate: number; waitMs: readonly [number, number] }
  | { kind: 'open'; ratePerS: number };

export interface StudyModelParams {
  tasks: number;
  /** Simulated ms of one payment. */
  latencyMs: number;
  timeoutMs: number;
  runTimeMs: number;
  load: StudyLoad;
  /** How requests are spread over the tasks: in turn, or each to a task picked at random. */
  balancer: 'round-robin' | 'random';
  /** The study's handler: an abandoned request keeps its place in the line and is paid. */
  holdAbandoned: boolean;
  /** Work already in each task's line at the start, ms (abandoned payments of an earlier run). Default none. */
  backlogMs?: readonly number[];
  seed: number;
}

/** One modelled run, in Locust's figures (ms, counts; rates per second). */
export interface ModelRun {
  requests: number;
  failures: number;
  successes: number;
  avgMs: number;
  minMs: number;
  maxMs: number;
  medianMs: number;
  /** Mean response of the successful requests. */
  successAvgMs: number;
  /** When the last counted answer came, ms from the start (Locust's requests/s denominator). */
  lastAnswerMs: number;
}

interface Req {
  user: number;
  sent: number;
  task: number;
  settled: boolean;
}

type Event =
  | { at: number; kind: 'send'; user: number }
  | { at: number; kind: 'paid'; task: number; req: Req }
  | { at: number; kind: 'timeout'; req: Req };

/** A binary heap of events by time, ties in insertion order. */
class Agenda {
  private readonly heap: { at: number; n: number; event: Event }[] = [];
  private n = 0;

  push(event: Event): void {
    const heap = this.heap;
    heap.push({ at: event.at, n: this.n++, event });
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): Event | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top && last && heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.before(l, m)) m = l;
        if (r < heap.length && this.before(r, m)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top?.event;
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.at < y.at || (x.at === y.at && x.n < y.n);
  }
}

/** One run of the model. */
export function simulateStudyRun(params: StudyModelParams): ModelRun {
  const { tasks, latencyMs, timeoutMs, runTimeMs, load } = params;
  const random = createRandom(params.seed);
  const agenda = new Agenda();
  const lines: Req[][] = Array.from({ length: tasks }, () => []);
  const busy: boolean[] = Array.from({ length: tasks }, () => false);
  const latencies: number[] = [];
  let successTotal = 0;
  let failures = 0;
  let lastAnswer = 0;
  let turn = 0;

  const startNext = (task: number, now: number) => {
    const line = lines[task]!;
    let next = line.shift();
    // Without the study's handler an abandoned request has left the line.
    while (next?.settled && !params.holdAbandoned) next = line.shift();
    busy[task] = next !== undefined;
    if (next) agenda.push({ at: now + latencyMs, kind: 'paid', task, req: next });
  };
  const record = (req: Req, now: number, ok: boolean) => {
    req.settled = true;
    if (now > runTimeMs && load.kind === 'closed') return;
    latencies.push(now - req.sent);
    if (ok) successTotal += now - req.sent;
    else failures++;
    lastAnswer = Math.max(lastAnswer, now);
  };
  const pause = (user: number, now: number) => {
    if (load.kind !== 'closed' || now >= runTimeMs) return;
    const [min, max] = load.waitMs;
    agenda.push({ at: now + min + random() * (max - min), kind: 'send', user });
  };
  const send = (user: number, now: number) => {
    const task = params.balancer === 'random' ? Math.floor(random() * tasks) : turn++ % tasks;
    const req: Req = { user, sent: now, task, settled: false };
    lines[task]!.push(req);
    if (!busy[task]) startNext(task, now);
    agenda.push({ at: now + timeoutMs, kind: 'timeout', req });
  };

  (params.backlogMs ?? []).forEach((ms, task) => {
    if (ms <= 0 || task >= tasks) return;
    busy[task] = true;
    agenda.push({ at: ms, kind: 'paid', task, req: { user: -1, sent: 0, task, settled: true } });
  });
  if (load.kind === 'closed') {
    const perStep = Math.max(1, Math.floor(load.spawnRate));
    const stepMs = (1000 * perStep) / load.spawnRate;
    for (let user = 0; user < load.users; user++) {
      agenda.push({ at: Math.floor(user / perStep) * stepMs, kind: 'send', user });
    }
  } else {
    const count = Math.round((load.ratePerS * runTimeMs) / 1000);
    for (let i = 0; i < count; i++) agenda.push({ at: (i * 1000) / load.ratePerS, kind: 'send', user: i });
  }

  for (let event = agenda.pop(); event; event = agenda.pop()) {
    const now = event.at;
    if (event.kind === 'send') {
      if (load.kind === 'open' || now < runTimeMs) send(event.user, now);
    } else if (event.kind === 'paid') {
      if (!event.req.settled) {
        record(event.req, now, true);
        pause(event.req.user, now);
      }
      startNext(event.task, now);
    } else if (!event.req.settled) {
      record(event.req, now, false);
      pause(event.req.user, now);
    }
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const n = sorted.length;
  return {
    requests: n,
    failures,
    successes: n - failures,
    avgMs: n ? sorted.reduce((sum, v) => sum + v, 0) / n : 0,
    minMs: sorted[0] ?? 0,
    maxMs: sorted.at(-1) ?? 0,
    // The value at or below which half the requests fall, as the load generator's histogram reports it.
    medianMs: sorted[Math.max(0, Math.ceil(n / 2) - 1)] ?? 0,
    successAvgMs: n > failures ? successTotal / (n - failures) : 0,
    lastAnswerMs: lastAnswer,
  };
}

/** Many runs of the model with seeds `seed`, `seed + 1`, …: the mean of each figure, and the runs. */
export function modelRuns(params: Omit<StudyModelParams, 'seed'>, runs: number, seed = 1): ModelRun[] {
  return Array.from({ length: runs }, (_, i) => simulateStudyRun({ ...params, seed: seed + i }));
}

/**
 * Successful orders when every task's line is full from the start and only
 * grows: each slot finishes ⌊timeout ÷ latency⌋ of its first requests in time,
 * and every later request waits behind the abandoned ones.
 */
export function successesWhileLinesGrow(tasks: number, latencyMs: number, timeoutMs: number): number {
  return tasks * Math.floor(timeoutMs / latencyMs);
}
