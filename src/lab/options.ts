import { type NumberRule, numberRange } from '../config/parse.js';

/** What `flashsale lab` runs, and how. Durations are simulated (study) milliseconds. */
export interface LabOptions {
  /** Multiplier of every simulated duration; 0.2 runs the 3-second payment in 600 ms. Default 0.2. */
  timeScale?: number;
  /** Phases to run, by id or group (see PHASE_GROUPS). Default all. */
  phases?: string[];
  /** Folder for the reports and per-phase results. Default lab-results. */
  out?: string;
  /** Simulated ms per payment. Default 3000 (the study's provider). */
  paymentLatencyMs?: number;
  /** Worker counts of the scaling phases. Default 1, 5, 20, 100. */
  workerCounts?: number[];
  /** Length of the flash-sale burst fed to each worker count, simulated ms. Default 10000 (600 orders). */
  scalingBurstMs?: number;
  /** Longest wait for the queue to drain after a burst, simulated ms; longer drains are projected. Default 100000. */
  drainLimitMs?: number;
  /** Length of the async flash sale with one worker, simulated ms. Default 60000 (the study's run time). */
  asyncRunTimeMs?: number;
  /** Length of each synchronous phase, simulated ms; null = the scenario's (30 s normal, 60 s flash). Default null. */
  syncRunTimeMs?: number | null;
  /** Length of each probe of the minimum-workers search, simulated ms. Default 20000. */
  probeMs?: number;
  /** The search stops when the bracket is this narrow, workers. Default 5. */
  searchResolution?: number;
  /** Port of each phase's service (its dashboard is live at /dashboard). Default 0 = any free port. */
  port?: number;
  /** Seed of the load generator's random waits and payloads. Default 1. */
  seed?: number;
  /** Requests a throwaway service answers first so the measured one runs compiled code. Default 3000. */
  warmUpRequests?: number;
  /**
   * `lab`: the phases above, each on one flashsale. `study`: the study's own
   * deployment (study-normal, study-flash, sister-flash): flashsale tasks behind
   * a round-robin balancer, each with one payment slot, holding abandoned
   * payments, repeated, beside the seed's table. Default lab.
   */
  deployment?: 'lab' | 'study';
  /** Tasks behind the balancer in study-normal and study-flash (the study: 2). Default 2. */
  studyTasks?: number;
  /** Runs of each study phase, seeds seed, seed + 1, …; study deployment only. Default 5. */
  repeat?: number;
  /** How the run was started, as the report quotes it. Default "flashsale lab". */
  command?: string;
}

export type ResolvedLabOptions = Required<Omit<LabOptions, 'phases' | 'command'>> & { phases: PhaseId[] };

export const PHASE_IDS = [
  'sync-normal',
  'sync-flash',
  'async-flash',
  'scaling',
  'min-workers',
  'autoscaler',
  'sellout',
] as const;
/** The study's deployment (`--deployment study`): the seed's two runs and the sister report's case. */
export const STUDY_PHASE_IDS = ['study-normal', 'study-flash', 'sister-flash'] as const;
export type PhaseId = (typeof PHASE_IDS)[number] | (typeof STUDY_PHASE_IDS)[number];

/** Names that select several phases at once. */
export const PHASE_GROUPS: Record<string, PhaseId[]> = {
  all: [...PHASE_IDS],
  sync: ['sync-normal', 'sync-flash'],
  async: ['async-flash'],
  workers: ['scaling', 'min-workers'],
  stock: ['sellout'],
};

export const LAB_DEFAULTS = {
  timeScale: 0.2,
  out: 'lab-results',
  paymentLatencyMs: 3000,
  workerCounts: [1, 5, 20, 100],
  scalingBurstMs: 10_000,
  drainLimitMs: 100_000,
  asyncRunTimeMs: 60_000,
  probeMs: 20_000,
  searchResolution: 5,
  port: 0,
  seed: 1,
  warmUpRequests: 3000,
  deployment: 'lab',
  studyTasks: 2,
  repeat: 5,
} as const;

export class LabUsageError extends Error {}

/** Expands group names, keeps the study's order, rejects names the deployment does not run. */
export function selectPhases(names: readonly string[] | undefined, deployment: 'lab' | 'study' = 'lab'): PhaseId[] {
  const ids: readonly PhaseId[] = deployment === 'study' ? STUDY_PHASE_IDS : PHASE_IDS;
  const groups: Record<string, readonly PhaseId[]> = deployment === 'study' ? { all: ids } : PHASE_GROUPS;
  if (!names || names.length === 0) return [...ids];
  const chosen = new Set<PhaseId>();
  for (const raw of names.flatMap((n) => n.split(','))) {
    const name = raw.trim();
    if (!name) continue;
    const group = groups[name];
    if (group) for (const id of group) chosen.add(id);
    else if ((ids as readonly string[]).includes(name)) chosen.add(name as PhaseId);
    else {
      const known = [...ids, ...Object.keys(groups)].join(', ');
      throw new LabUsageError(
        `--phases: unknown phase "${name}" for --deployment ${deployment} (choose from ${known})`,
      );
    }
  }
  return ids.filter((id) => chosen.has(id));
}

export function resolveLabOptions(options: LabOptions = {}): ResolvedLabOptions {
  const deployment = options.deployment ?? LAB_DEFAULTS.deployment;
  if (deployment !== 'lab' && deployment !== 'study') {
    throw new LabUsageError(`--deployment: expected lab or study, got "${deployment}"`);
  }
  if (deployment === 'lab' && (options.repeat !== undefined || options.studyTasks !== undefined)) {
    throw new LabUsageError('--repeat and --study-tasks apply to --deployment study only');
  }
  const resolved: ResolvedLabOptions = {
    timeScale: options.timeScale ?? LAB_DEFAULTS.timeScale,
    phases: selectPhases(options.phases, deployment),
    out: options.out ?? LAB_DEFAULTS.out,
    paymentLatencyMs: options.paymentLatencyMs ?? LAB_DEFAULTS.paymentLatencyMs,
    workerCounts: options.workerCounts ?? [...LAB_DEFAULTS.workerCounts],
    scalingBurstMs: options.scalingBurstMs ?? LAB_DEFAULTS.scalingBurstMs,
    drainLimitMs: options.drainLimitMs ?? LAB_DEFAULTS.drainLimitMs,
    asyncRunTimeMs: options.asyncRunTimeMs ?? LAB_DEFAULTS.asyncRunTimeMs,
    syncRunTimeMs: options.syncRunTimeMs ?? null,
    probeMs: options.probeMs ?? LAB_DEFAULTS.probeMs,
    searchResolution: options.searchResolution ?? LAB_DEFAULTS.searchResolution,
    port: options.port ?? LAB_DEFAULTS.port,
    seed: options.seed ?? LAB_DEFAULTS.seed,
    warmUpRequests: options.warmUpRequests ?? LAB_DEFAULTS.warmUpRequests,
    deployment,
    studyTasks: options.studyTasks ?? LAB_DEFAULTS.studyTasks,
    repeat: options.repeat ?? LAB_DEFAULTS.repeat,
  };
  check('--time-scale', resolved.timeScale, { positive: true, max: 1 });
  if (resolved.workerCounts.length === 0)
    throw new LabUsageError('--workers: expected whole numbers ≥ 1, e.g. 1,5,20,100');
  for (const n of resolved.workerCounts) check('--workers', n, { integer: true, min: 1 });
  for (const [flag, value] of [
    ['--burst', resolved.scalingBurstMs],
    ['--drain-limit', resolved.drainLimitMs],
    ['--async-run-time', resolved.asyncRunTimeMs],
    ['--probe', resolved.probeMs],
    ['--sync-run-time', resolved.syncRunTimeMs ?? 1],
  ] as const) {
    check(flag, value, { positive: true });
  }
  check('--resolution', resolved.searchResolution, { integer: true, min: 1 });
  check('--port', resolved.port, { integer: true, min: 0, max: 65535 });
  check('--study-tasks', resolved.studyTasks, { integer: true, min: 1, max: 16 });
  check('--repeat', resolved.repeat, { integer: true, min: 1 });
  return resolved;
}

/** The shared number rule, for options given in code as well as by flags. */
function check(flag: string, value: number, rule: NumberRule): void {
  const reason =
    Number.isFinite(value) && (!rule.integer || Number.isInteger(value))
      ? numberRange(value, rule)
      : `expected ${rule.integer ? 'a whole number' : 'a number'}, got ${value}`;
  if (reason) throw new LabUsageError(`${flag}: ${reason}`);
}
