/**
 * The report's content from runs with known figures: the seed's two
 * synchronous runs and an asynchronous one. Checks the numbers the seed wrote
 * by hand — business impact, efficiency, comparisons — and the three sections.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildReport } from '../../src/report/build.js';
import { businessImpact, SEED_BUSINESS } from '../../src/report/business.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { asyncFlash, seedFlash, seedNormal } from './support/synthetic.js';

function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`## ${title}\n`);
  assert.ok(start >= 0, `section ${title} missing`);
  const next = markdown.indexOf('\n## ', start + 4);
  return markdown.slice(start, next < 0 ? undefined : next);
}

describe('report on the seed’s runs', () => {
  const built = buildReport([seedNormal(), seedFlash(), asyncFlash()], {
    generatedAt: new Date('2026-01-24T12:00:00Z'),
  });
  const md = renderMarkdown(built.document, { chartPath: (c) => `charts/${c.id}.svg` });

  test('the three sections of the seed are there and written from the numbers', () => {
    const exec = section(md, 'Executive summary');
    assert.match(exec, /normal operations load \(5 concurrent users\), the synchronous checkout showed a 33\.3 %/);
    assert.match(exec, /flash sale load \(20 concurrent users\), the synchronous checkout showed an 86\.7 %/);
    assert.match(exec, /most requests timing out after 10 s/);
    assert.match(
      exec,
      /limited throughput to 0\.200 successful orders per second, 60\.0 % of the theoretical 0\.333\/s/,
    );
    assert.match(exec, /\$78,000 per hour/);
    assert.match(exec, /accepted 100\.0 % of 1,800 orders/);
    assert.match(exec, /cannot absorb a flash sale/);

    const results = section(md, 'Results');
    assert.match(results, /### Test configuration/);
    assert.match(results, /### Flash sale test — flash-sync/);
    assert.match(results, /Results: 45 requests, 39 failures \(86\.7 %\)/);
    assert.match(results, /### Key findings/);
    assert.match(results, /86\.7 % failure rate in the flash sale run/);
    assert.match(
      results,
      /Payment bottleneck confirmed: successful orders never exceeded 0\.267\/s against a theoretical 0\.333\/s, and no success was faster than 3\.1 s/,
    );

    const analysis = section(md, 'Technical analysis');
    assert.match(analysis, /### Bottleneck identification/);
    assert.match(analysis, /Theoretical maximum: 0\.333 orders\/second = 20 orders\/minute = 1,200 orders\/hour/);
    assert.match(analysis, /### Queue behaviour/);
    assert.match(analysis, /Early requests \(0–10 s\): typical 3\.\d s, 0\.0 % failed/);
    assert.match(analysis, /### Failure modes/);
    assert.match(analysis, /flash-sync: the primary failure mode was client timeouts \(100\.0 % of 39 failures/);
    // No template placeholder survives.
    assert.doesNotMatch(md, /\[Insert|TODO|undefined|NaN/);
  });

  test('the business impact follows the seed’s arithmetic with the exact success rate', () => {
    const impact = businessImpact(6 / 45, SEED_BUSINESS);
    assert.equal(Math.round(impact.completedOrders), 240);
    assert.equal(Math.round(impact.lostOrders), 1560);
    assert.equal(Math.round(impact.lostPerHour), 78_000);
    assert.equal(Math.round(impact.lostPerDay), 312_000);
    assert.equal(Math.round(impact.lostPerYear), 3_744_000);
    const table = section(md, 'Results').split('### Business impact')[1]!;
    assert.match(table, /\| orders lost per hour \| 600 \| 1,560 \| 0 \|/);
    assert.match(table, /\| per year \(48 sales\) \| \$1,440,000 \| \$3,744,000 \| \$0 \|/);
  });

  test('theoretical against measured capacity gives the seed’s 60 % efficiency', () => {
    const flash = built.runs.find((r) => r.label === 'flash-sync')!;
    assert.ok(Math.abs(flash.capacity.theoreticalPerS - 1 / 3) < 1e-9);
    assert.ok(Math.abs(flash.capacity.measuredPerS! - 0.2) < 1e-9);
    assert.ok(Math.abs(flash.capacity.efficiency! - 0.6) < 1e-9);
    assert.equal(flash.capacity.source, 'assumed');
    const async = built.runs.find((r) => r.label === 'flash-async')!;
    assert.equal(async.capacity.source, 'server');
    assert.match(
      md,
      /\| flash-sync \| 1 \(assumed\) \| 3 s \| 0\.333\/s = 1,200\/h \| 0\.200\/s = 720\/h \(successful orders\) \| 60 % \|/,
    );
  });

  test('comparison tables: normal vs flash with the change, sync vs async with the improvement', () => {
    assert.match(md, /### Normal operations vs flash sale — `\/orders\/sync`/);
    assert.match(md, /\| total requests \| 12 \| 45 \| \+275 % \|/);
    assert.match(md, /\| success rate \| 66\.7 % \| 13\.3 % \| −53\.3 pp \| worse \|/);
    assert.match(md, /### Synchronous vs asynchronous — flash sale/);
    assert.match(md, /\| metric \| flash-sync \| flash-async \| change \| improvement \|/);
    assert.match(md, /\| failed requests \| 39 \| 0 \| −100 % \| better \|/);
    assert.match(md, /\| average response \| 9,125 ms \| 50\.0 ms \| −99\.5 % \| better \(183× lower\) \|/);
  });

  test('summary and percentile tables, and the queue analysis against the arithmetic', () => {
    assert.match(md, /\| flash-sync \| `POST \/orders\/sync` \| 45 \| 39 \(86\.7 %\) \|/);
    assert.match(md, /\| run \| 50% \| 66% \| 75% \| 80% \| 90% \| 95% \| 98% \| 99% \| 99\.9% \| 99\.99% \| 100% \|/);
    assert.match(md, /\| flash-sync \| 10,0\d\d \|/);
    assert.match(md, /flash-async: the queue peaked at 1,790 visible messages/);
    assert.match(md, /grew at about 59\.7 messages\/s; the arithmetic predicts 59\.7\/s/);
  });

  test('every chart is linked from the Markdown, and one chart per kind exists', () => {
    const kinds = new Set(built.charts.map((c) => c.kind));
    assert.deepEqual([...kinds].sort(), ['distribution', 'latency', 'queue', 'success', 'throughput']);
    for (const chart of built.charts) assert.ok(md.includes(`(charts/${chart.id}.svg)`), chart.id);
  });
});

describe('the time-scale rule', () => {
  const scaled = buildReport([seedFlash(0.01), asyncFlash(0.01)]);
  const [sync, async] = scaled.runs as [(typeof scaled.runs)[0], (typeof scaled.runs)[0]];

  test('simulated-time latencies are divided by the scale; rates are per study second', () => {
    assert.equal(sync.result.config.latencyClock, 'simulated');
    assert.ok(Math.abs(sync.result.summary.maxMs - 100.89) < 0.01, 'the raw figure is wall time');
    assert.ok(Math.abs(sync.maxMs - 10_089) < 1, `study max ${sync.maxMs}`);
    assert.ok(Math.abs(sync.successesPerS - 0.2) < 1e-9, `study successes/s ${sync.successesPerS}`);
    assert.ok(Math.abs(sync.capacity.efficiency! - 0.6) < 1e-9);
  });

  test('wall-time latencies (async acceptance) are not inflated', () => {
    assert.equal(async.result.config.latencyClock, 'wall');
    assert.ok(async.maxMs <= 60 && async.maxMs >= 59, `async max ${async.maxMs} ms`);
    assert.ok(Math.abs(async.rps - 60) < 0.01, `async req/s ${async.rps}`);
    const md = renderMarkdown(scaled.document);
    assert.match(md, /Scaled runs \(flash-sync at 0\.01, flash-async at 0\.01\)/);
    assert.match(md, /acceptance times are wall time as measured/);
    assert.match(md, /a p99 of 60\.0 ms, within the 100 ms target/);
  });
});
