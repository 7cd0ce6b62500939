/**
 * The study's own figures, row for row, and how the lab's runs (and the model's)
 * are put beside them: each run's Locust figures in study units, their mean and
 * spread over the repeats, the deviation from the seed, and the goal.
 */
import { type LoadTestResult, studyFactors } from '../loadtest/index.js';
import type { ModelRun } from './study-model.js';

export type StudyKind = 'normal' | 'flash' | 'sister';

export const STUDY_FIGURES = [
  { key: 'requests', name: 'requests', unit: '' },
  { key: 'failures', name: 'failures', unit: '' },
  { key: 'successes', name: 'successful orders', unit: '' },
  { key: 'failurePct', name: 'failure share', unit: '%' },
  { key: 'avgMs', name: 'average response', unit: 'ms' },
  { key: 'minMs', name: 'fastest response', unit: 'ms' },
  { key: 'maxMs', name: 'slowest response', unit: 'ms' },
  { key: 'medianMs', name: 'median response', unit: 'ms' },
  { key: 'rps', name: 'requests per second', unit: '/s' },
  { key: 'successesPerS', name: 'successful orders per second', unit: '/s' },
] as const;

export type StudyFigureKey = (typeof STUDY_FIGURES)[number]['key'];
export type StudyFigures = Record<StudyFigureKey, number>;

/**
 * The seed's table (two tasks, 30 s; brief.md "The numbers reported") and the
 * sister report's two figures (one task). Requests/s is Locust's: requests ÷
 * time to the last answer (0.65/s = 18 in 27.7 s; 1.52/s = 45 in 29.6 s).
 */
export const SEED_FIGURES: Record<StudyKind, Partial<StudyFigures>> = {
  normal: {
    requests: 18,
    failures: 6,
    successes: 12,
    failurePct: 33.3,
    avgMs: 6123,
    minMs: 3089,
    maxMs: 10_047,
    medianMs: 4100,
    rps: 0.65,
    successesPerS: 0.43,
  },
  flash: {
    requests: 45,
    failures: 39,
    successes: 6,
    failurePct: 86.7,
    avgMs: 9521,
    minMs: 3094,
    maxMs: 10_089,
    medianMs: 10_000,
    rps: 1.52,
    successesPerS: 0.2,
  },
  sister: { failurePct: 97.9, rps: 20 },
};

/** Within this share of the seed counts as reproduced (issue #15's goal for the flash sale). */
export const STUDY_TOLERANCE = 0.15;
/** The goal's rows: the flash sale's counts within the tolerance, and its median at the client timeout. */
export const GOAL_ROWS: Partial<Record<StudyKind, StudyFigureKey[]>> = {
  flash: ['requests', 'failures', 'successes', 'medianMs'],
};

/**
 * A run's figures in study units. Requests/s is Locust's for a closed loop (to
 * the last answer); an open loop's is what it sent, requests ÷ run time.
 */
export function figuresOfLoad(result: LoadTestResult): StudyFigures {
  const f = studyFactors(result.config);
  const s = result.summary;
  const lastWallMs = (result.requests ?? []).reduce((last, r) => Math.max(last, r.intendedMs + r.latencyMs), 0);
  const spanS =
    result.config.mode === 'open' || lastWallMs === 0 ? result.config.runTimeMs / 1000 : (lastWallMs * f.time) / 1000;
  return withRates(
    {
      requests: s.requests,
      failures: s.failures,
      avgMs: s.avgMs * f.latency,
      minMs: s.minMs * f.latency,
      maxMs: s.maxMs * f.latency,
      medianMs: s.percentiles['50'] * f.latency,
    },
    spanS,
  );
}

/** A modelled run's figures, rates counted the same way as the lab's. */
export function figuresOfModel(run: ModelRun, open: boolean, runTimeMs: number): StudyFigures {
  const spanS = open || run.lastAnswerMs === 0 ? runTimeMs / 1000 : run.lastAnswerMs / 1000;
  const { requests, failures, avgMs, minMs, maxMs, medianMs } = run;
  return withRates({ requests, failures, avgMs, minMs, maxMs, medianMs }, spanS);
}

function withRates(
  base: Omit<StudyFigures, 'successes' | 'failurePct' | 'rps' | 'successesPerS'>,
  spanS: number,
): StudyFigures {
  const successes = base.requests - base.failures;
  return {
    ...base,
    successes,
    failurePct: base.requests ? (100 * base.failures) / base.requests : 0,
    rps: base.requests / spanS,
    successesPerS: successes / spanS,
  };
}

/** One row of the comparison. */
export interface StudyRow {
  key: StudyFigureKey;
  name: string;
  unit: string;
  seed: number | null;
  /** The model's mean over many runs (round robin, the study's handler). */
  model: number;
  /** Each repeat of the lab, in order. */
  runs: number[];
  mean: number;
  min: number;
  max: number;
  sd: number;
  /** (lab mean − seed) ÷ seed; null without a seed figure. */
  deviation: number | null;
  /** Whether the lab's mean is within the tolerance of the seed (for the median of a goal: at the timeout). */
  within: boolean | null;
  /** How many repeats on their own are within it. */
  runsWithin: number | null;
  /** Part of the row set's goal. */
  goal: boolean;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Rows beside the seed's; `timeoutMs` judges "median at the timeout" (at or just past it: ≤ 2 % late). */
export function compareRows(
  kind: StudyKind,
  runs: readonly StudyFigures[],
  model: readonly StudyFigures[],
  timeoutMs: number,
): StudyRow[] {
  const seeds = SEED_FIGURES[kind];
  const goals = GOAL_ROWS[kind] ?? [];
  return STUDY_FIGURES.map(({ key, name, unit }) => {
    const values = runs.map((r) => r[key]);
    const m = mean(values);
    const seed = seeds[key] ?? null;
    const goal = goals.includes(key);
    const atTimeout = (v: number) => v >= timeoutMs * 0.99 && v <= timeoutMs * 1.02;
    const near = (v: number) =>
      seed === null ? false : goal && key === 'medianMs' ? atTimeout(v) : Math.abs(v / seed - 1) <= STUDY_TOLERANCE;
    return {
      key,
      name,
      unit,
      seed,
      model: mean(model.map((r) => r[key])),
      runs: values,
      mean: m,
      min: Math.min(...values),
      max: Math.max(...values),
      sd: Math.sqrt(mean(values.map((v) => (v - m) ** 2))),
      deviation: seed === null || seed === 0 ? null : m / seed - 1,
      within: seed === null ? null : near(m),
      runsWithin: seed === null ? null : values.filter(near).length,
      goal,
    };
  });
}

/** One repeat of a study phase. */
export interface StudyRepeat {
  seed: number;
  wallMs: number;
  /** Requests counted per task, in task order. */
  perTask: number[];
  /** Requests still holding a place in a payment line when the load stopped, all tasks together. */
  heldAtEnd: number;
  /** Requests open when the run time ended: not counted, as in Locust. */
  cancelledAtStop: number;
}

/** A study phase beside the seed: its repeats, and the rows. */
export interface StudyComparison {
  kind: StudyKind;
  tasks: number;
  /** Modelled runs behind the model column. */
  modelRuns: number;
  repeats: StudyRepeat[];
  rows: StudyRow[];
  /** The normal run under two imbalances that make timeouts: a random balancer, and old work in one line. */
  imbalances?: { randomBalancer: ModelSummary; leftoverWork: ModelSummary & { backlogMs: number } };
}

/** Means over modelled runs of one variant. */
export interface ModelSummary {
  failuresMean: number;
  failuresMax: number;
  successesMean: number;
  /** Mean response of the successful requests, and median response, ms. */
  successAvgMs: number;
  medianMs: number;
  /** Share of runs with at least the seed's failures. */
  shareAtSeedFailures: number;
}
