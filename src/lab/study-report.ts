/** The report's "seed vs lab" sections: the seed's table beside the lab's, row for row, with the deviation of each. */
import { formatNumber, formatPrecise } from '../loadtest/format.js';
import { type Block, p, type Section, table } from '../report/document.js';
import type { PhaseResult } from './results.js';
import { type ModelSummary, STUDY_TOLERANCE, type StudyComparison, type StudyRow } from './study-figures.js';
import { successesWhileLinesGrow } from './study-model.js';
import { SISTER_RATE } from './study-phases.js';

const digitsOf = (row: Pick<StudyRow, 'unit' | 'key'>, mean = false) =>
  row.unit === '/s' ? 3 : row.unit === '%' ? 1 : row.unit === '' && mean ? 1 : 0;

function show(value: number | null, row: Pick<StudyRow, 'unit' | 'key'>, mean = false): string {
  if (value === null) return '—';
  const text = formatNumber(value, digitsOf(row, mean)).replace(/\.0+$/, '');
  return row.unit === '' ? text : row.unit === '%' ? `${text} %` : `${text} ${row.unit}`;
}

function signed(ratio: number | null): string {
  if (ratio === null) return '—';
  const pct = formatNumber(Math.abs(100 * ratio), 1);
  return ratio > 0.0005 ? `+${pct} %` : ratio < -0.0005 ? `−${pct} %` : '0 %';
}

function mark(row: StudyRow, runs: number): string {
  if (row.within === null) return '';
  const runsText = runs > 1 ? ` (${row.runsWithin}/${runs} runs)` : '';
  const what = row.goal && row.key === 'medianMs' ? ' at the timeout' : '';
  return `${row.within ? '✓' : '✗'}${what}${runsText}`;
}

function comparisonTable(study: StudyComparison): Block {
  const runs = study.repeats.length;
  return table({
    header: [
      'figure',
      'seed',
      'model',
      `lab, mean of ${runs}`,
      'lab runs, min–max',
      'deviation (lab ÷ seed − 1)',
      `within ±${100 * STUDY_TOLERANCE} %`,
    ],
    rows: study.rows.map((row) => [
      row.goal ? `**${row.name}**` : row.name,
      show(row.seed, row),
      show(row.model, row, true),
      show(row.mean, row, true),
      `${show(row.min, row)} – ${show(row.max, row)}`,
      signed(row.deviation),
      mark(row, runs),
    ]),
  });
}

function runsTable(study: StudyComparison): Block {
  const get = (key: StudyRow['key']) => study.rows.find((r) => r.key === key)?.runs ?? [];
  const [requests, failures, successes, median] = [get('requests'), get('failures'), get('successes'), get('medianMs')];
  return table({
    header: [
      'run',
      'seed',
      'requests',
      'failures',
      'successful',
      'median',
      'requests per task',
      'in the payment lines at the end',
      'open at the stop, not counted',
    ],
    rows: study.repeats.map((r, i) => [
      String(i + 1),
      String(r.seed),
      formatNumber(requests[i] ?? 0),
      formatNumber(failures[i] ?? 0),
      formatNumber(successes[i] ?? 0),
      `${formatNumber(median[i] ?? 0)} ms`,
      r.perTask.join(' + '),
      formatNumber(r.heldAtEnd),
      formatNumber(r.cancelledAtStop),
    ]),
  });
}

const rowOf = (study: StudyComparison, key: StudyRow['key']) => study.rows.find((r) => r.key === key)!;

function why(study: StudyComparison, latencyMs: number, timeoutMs: number): string[] {
  const perSlot = Math.floor(timeoutMs / latencyMs);
  const [l, t] = [latencyMs / 1000, timeoutMs / 1000].map(formatPrecise);
  const paidAt = Array.from({ length: perSlot }, (_, i) => formatPrecise(((i + 1) * latencyMs) / 1000)).join(', ');
  const fail = rowOf(study, 'failures');
  const rate = formatPrecise(Math.round(1000_000 / latencyMs) / 1000);
  if (study.kind !== 'sister' && study.tasks !== 2) {
    return [
      `The seed ran two tasks; with ${study.tasks} the model gives ${show(rowOf(study, 'successes').model, fail, true)} successful orders and ${show(fail.model, fail, true)} failures.`,
    ];
  }
  switch (study.kind) {
    case 'flash': {
      const expected = successesWhileLinesGrow(study.tasks, latencyMs, timeoutMs);
      return [
        `Why it lands: the first 10 users start together (Locust starts ⌊10/s⌋ users at once) and each task's line gets 5 of them; a slot pays them at ${paidAt} s, so ${perSlot} per task answer within the ${t} s timeout: 2 × ⌊${t} s ÷ ${l} s⌋ = **${expected} successful orders**. Every later request joins a line that only grows, because an abandoned request still takes its ${l} s, as the study's handler kept sleeping. Each user then completes one timeout per ~10.3 s, and the third timeout falls after the 30 s and is not counted (Locust drops requests open at the stop): ${20 - expected} users × 2 timeouts + ${expected} users × (1 success + 2 timeouts) = ${(20 - expected) * 2 + expected * 3} requests, the seed's 45 with one of them just past the end (its 1.52 requests/s put its last answer at 29.6 s).`,
        'The seed contradicts itself in one place, and its mean settles it: 6 answers at about 3, 6 and 9 s and 39 timeouts at 10.0–10.1 s give a mean of 9,467–9,544 ms (the seed: 9,521 ms), while the histogram’s “6 requests at 3–4 s” would give 9,067–9,277 ms and disagrees with the report’s own answers at 6.09 and 9.10 s.',
      ];
    }
    case 'normal': {
      const median = rowOf(study, 'medianMs');
      const variant = (m: ModelSummary) =>
        `${formatNumber(m.failuresMean, 1)} failures (up to ${m.failuresMax}; ${formatNumber(100 * m.shareAtSeedFailures, 0)} % of runs reach the seed's ${fail.seed}), ${formatNumber(m.successesMean, 1)} successful orders answered in ${formatNumber(m.successAvgMs)} ms on average, a median of ${formatNumber(m.medianMs)} ms`;
      const im = study.imbalances;
      return [
        `Round robin alone does not time out here: 5 users over 2 lines put at most 3 requests in one line, so no answer takes longer than 3 × ${l} s = ${formatPrecise((3 * latencyMs) / 1000)} s. The model gives ${show(fail.model, fail, true)} failures, the lab ${show(fail.mean, fail, true)} (runs ${fail.min}–${fail.max}). The seed's request count, mean response and requests/s are what two slots give; its split is not: 12 successful orders answered in about 4.2 s on average (its mean of 6,123 ms less 6 timeouts), 6 timeouts, a median of 4.1 s (the lab: ${show(median.mean, median)}).`,
        ...(im
          ? [
              `A timeout needs a fourth request in one line while the other line stays short, and short lines are what make the seed's successes fast. The model shows two ways, each the mean of ${study.modelRuns} runs: with each request sent to a task picked at random, ${variant(im.randomBalancer)}; with ${formatPrecise(im.leftoverWork.backlogMs / 1000)} s of work already in one task's line at the start (two abandoned payments of an earlier run), round robin gives ${variant(im.leftoverWork)}. Each reproduces part of the seed's split; neither all of it (12 successful in ~4.2 s, 6 timeouts, a 4.1 s median). So the seed's normal run fits two one-slot tasks with uneven lines — which unevenness is not determined by the published figures.`,
            ]
          : []),
      ];
    }
    case 'sister': {
      const floor = 1 - 1000 / latencyMs / SISTER_RATE;
      const rateAtSeed = 1000 / latencyMs / (1 - 0.979);
      return [
        `One slot pays at most 1 ÷ ${l} s = ${rate} orders/s, so at ${SISTER_RATE} requests/s at least 1 − ${rate} ÷ ${SISTER_RATE} = ${formatNumber(100 * floor, 1)} % must fail. The sister report's 97.9 % is below that floor: its rate was lower (97.9 % leaves one slot's rate out of ${formatNumber(rateAtSeed, 1)} requests/s) or not all its failures waited in this line. With the study's handler the line only grows: the task pays ${perSlot} orders in time, all within the first ${t} s, and none after; the longer the sale, the closer the share gets to 100 %.`,
      ];
    }
  }
}

/** The intro section and one section per study phase. */
export function studySections(phases: readonly PhaseResult[], latencyMs: number): Section[] {
  const studies = phases.filter((ph): ph is PhaseResult & { study: StudyComparison } => ph.study !== undefined);
  if (studies.length === 0) return [];
  const timeoutMs = 10_000;
  const flash = studies.find((ph) => ph.study.kind === 'flash')?.study;
  const goalRows = flash?.rows.filter((r) => r.goal) ?? [];
  const goal = flash
    ? `**Goal** (the flash sale within ±${100 * STUDY_TOLERANCE} % of the seed on requests, failures and successful orders, its median at the timeout): ${goalRows
        .map(
          (r) => `${r.name} ${r.within ? '✓' : '✗'} (${r.key === 'medianMs' ? show(r.mean, r) : signed(r.deviation)})`,
        )
        .join(', ')} — **${goalRows.every((r) => r.within) ? 'met' : 'not met'}**.`
    : 'The flash sale (study-flash), whose figures are the goal, was not run.';
  const intro: Section = {
    id: 'seed-vs-lab',
    title: 'Seed vs lab: the study’s deployment',
    blocks: [
      p(
        'The seed’s own figures beside the lab’s, row for row. The lab ran the study’s deployment: flashsale tasks behind a balancer that sends each request to the next task in turn, each task paying one order at a time, an abandoned request keeping its place in the line as the study’s Go handler did (`--hold-abandoned-payments`); Locust’s users as the seed ran them, for 30 s.',
      ),
      p(
        '**seed**: the study’s report (the sister report for the one-task row set). **model**: the same deployment computed (`src/lab/study-model.ts`, the mean of many runs, no network time). **lab**: the mean of the repeats, each with its own seed, and their range. Deviation = lab mean ÷ seed − 1. Requests/s is Locust’s: requests ÷ time to the last answer (an open loop’s: requests ÷ run time).',
      ),
      p(goal),
    ],
  };
  return [
    intro,
    ...studies.map(
      (ph): Section => ({
        id: ph.id,
        title: ph.title,
        blocks: [
          p(`**Setup.** ${ph.setup}. Wall time ${formatPrecise(ph.wallMs / 1000)} s.`),
          comparisonTable(ph.study),
          runsTable(ph.study),
          ...why(ph.study, latencyMs, timeoutMs).map(p),
        ],
      }),
    ),
  ];
}
