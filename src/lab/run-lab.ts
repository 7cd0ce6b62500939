/**
 * `runLab`: every phase of the study against flashsale processes the lab
 * starts itself, each phase's results and queue series saved, then the
 * Markdown and HTML reports.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadTestResult } from '../loadtest/index.js';
import { saveResults } from '../loadtest/index.js';
import { VERSION } from '../version.js';
import { autoscalerPhase } from './autoscaler-phase.js';
import { asyncFlashPhase, syncPhase } from './checkout-phases.js';
import type { LabContext } from './context.js';
import { type LabOptions, type PhaseId, type ResolvedLabOptions, resolveLabOptions } from './options.js';
import { writeReports } from './report.js';
import { LAB_SCHEMA, type LabResult, type PhaseResult, type PhaseRun, UNITS_RULE } from './results.js';
import { selloutPhase } from './sellout-phase.js';
import type { QueuePoint } from './stats-sampler.js';
import { studyPhase } from './study-phases.js';
import { minWorkersPhase, scalingPhase } from './worker-phases.js';

export interface LabHooks {
  log?(line: string): void;
  status?(text: string): void;
}

export interface LabRun {
  result: LabResult;
  /** Paths of the reports and results written. */
  files: string[];
}

function seriesCsv(series: readonly QueuePoint[]): string {
  // Units per catalog sku, when the phase sold any (the sellout phase).
  const skus = [...new Set(series.flatMap((p) => Object.keys(p.stock ?? {})))].sort();
  const header = [
    't_s,visible,in_flight,dead_letters,workers,busy,payments_in_flight,payments_waiting,accepted,completed,failed',
    ...skus.map((sku) => `${sku}_available,${sku}_reserved,${sku}_sold`),
  ].join(',');
  const rows = series.map((p) =>
    [
      p.t,
      p.visible,
      p.inFlight,
      p.deadLetters,
      p.workers,
      p.busy,
      p.paymentsInFlight,
      p.paymentsWaiting,
      p.accepted,
      p.completed,
      p.failed,
      ...skus.flatMap((sku): Array<number | string> => {
        const units = p.stock?.[sku];
        return units ? [units.available, units.reserved, units.sold] : ['', '', ''];
      }),
    ].join(','),
  );
  return `${[header, ...rows].join('\n')}\n`;
}

/** How many steps the selected phases take (the scaling phase is one per worker count). */
type Step = { id: PhaseId; workers?: number };

function plan(opts: ResolvedLabOptions): Step[] {
  return opts.phases.flatMap((id): Step[] =>
    id === 'scaling' ? opts.workerCounts.map((workers) => ({ id, workers })) : [{ id }],
  );
}

async function runStep(ctx: LabContext, step: Step): Promise<PhaseRun> {
  switch (step.id) {
    case 'sync-normal':
      return syncPhase(ctx, 'normal');
    case 'sync-flash':
      return syncPhase(ctx, 'flash');
    case 'async-flash':
      return asyncFlashPhase(ctx);
    case 'scaling':
      return scalingPhase(ctx, step.workers ?? 1);
    case 'min-workers':
      return minWorkersPhase(ctx);
    case 'autoscaler':
      return autoscalerPhase(ctx);
    case 'study-normal':
      return studyPhase(ctx, 'normal');
    case 'study-flash':
      return studyPhase(ctx, 'flash');
    case 'sister-flash':
      return studyPhase(ctx, 'sister');
    case 'sellout':
      return selloutPhase(ctx);
  }
}

export async function runLab(options: LabOptions = {}, hooks: LabHooks = {}): Promise<LabRun> {
  const opts = resolveLabOptions(options);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const phaseDir = join(opts.out, 'phases');
  mkdirSync(phaseDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'flashsale-lab-'));
  const ctx: LabContext = {
    opts,
    dataDir,
    outDir: opts.out,
    log: (line) => hooks.log?.(line),
    status: (text) => hooks.status?.(text),
  };
  const steps = plan(opts);
  const phases: PhaseResult[] = [];
  const loadtests = new Map<string, LoadTestResult>();
  const files: string[] = [];
  try {
    for (const [i, step] of steps.entries()) {
      const name = step.workers === undefined ? step.id : `${step.id} (${step.workers} workers)`;
      ctx.log(`[${i + 1}/${steps.length}] ${name}`);
      const { phase, loadtest } = await runStep(ctx, step);
      const base = join(phaseDir, phase.id);
      // A phase may have written files of its own (the study's runs).
      phase.files = [`phases/${phase.id}.json`, ...phase.files];
      if (phase.series.length > 0) {
        writeFileSync(`${base}-queue.csv`, seriesCsv(phase.series));
        phase.files.push(`phases/${phase.id}-queue.csv`);
      }
      if (loadtest) {
        loadtests.set(phase.id, loadtest);
        await saveResults(loadtest, { dir: phaseDir, name: `${phase.id}-loadtest`, csvPrefix: null });
        phase.files.push(`phases/${phase.id}-loadtest.json`);
      }
      writeFileSync(`${base}.json`, `${JSON.stringify(phase, null, 2)}\n`);
      files.push(...phase.files.map((f) => join(opts.out, f)));
      phases.push(phase);
      for (const f of phase.figures.filter((x) => x.verdict || x.theory !== null)) {
        const mark = f.verdict === 'off' ? '✗' : f.verdict === 'ok' ? '✓' : ' ';
        const theory = f.theory === null ? '' : ` (theory ${f.theory}${f.unit === '%' ? ' %' : ''})`;
        ctx.log(`  ${mark} ${f.name}: ${f.measured ?? '–'}${f.unit === '%' ? ' %' : ` ${f.unit}`}${theory}`);
      }
      ctx.log(`  done in ${(phase.wallMs / 1000).toFixed(1)} s wall`);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const result: LabResult = {
    schema: LAB_SCHEMA,
    version: VERSION,
    startedAt,
    wallMs: Math.round(performance.now() - started),
    timeScale: opts.timeScale,
    paymentLatencyMs: opts.paymentLatencyMs,
    units: UNITS_RULE,
    phases,
  };
  const resultsFile = join(opts.out, 'lab-results.json');
  writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  files.unshift(...writeReports(result, opts.out, loadtests, options.command ?? 'flashsale lab'), resultsFile);
  return { result, files };
}
