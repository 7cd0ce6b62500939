/** The results JSON round-trips into `flashsale report`, as a user runs both commands. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatNumber } from '../../src/loadtest/format.js';
import { readResultsJson } from '../../src/loadtest/results.js';
import { flashsale } from '../loadtest/support/cli.js';
import { startTestServer, type TestServer } from '../loadtest/support/test-server.js';
import { tempDir } from '../support/service.js';

describe('flashsale loadtest → flashsale report', () => {
  let server: TestServer;
  const tmp = tempDir('flashsale-report-cli-');
  before(async () => {
    // A sync-like endpoint (every 3rd request is refused) and an async-like one answering 202.
    server = await startTestServer((req, index) =>
      req.url === '/orders/sync'
        ? index % 3 === 2
          ? { status: 503 }
          : { delayMs: 30 }
        : { status: 202, delayMs: 2, body: { order_id: `o-${index}`, status: 'pending' } },
    );
  });
  after(async () => {
    await server.close();
    tmp.cleanup();
  });

  test('two runs saved as JSON become one report with a sync vs async comparison', async () => {
    const results = join(tmp.dir, 'results');
    for (const endpoint of ['sync', 'async']) {
      const run = await flashsale([
        'loadtest',
        'flash',
        '--host',
        server.url,
        '--endpoint',
        endpoint,
        '--run-time',
        '1s',
        '--wait',
        '5-10',
        '--track',
        '0',
        '--out',
        results,
        '-q',
        // The sync run's 503s are what the report is about, not a failed run.
        '--exit-code-on-error',
        '0',
      ]);
      assert.equal(run.code, 0, run.stderr);
    }
    const jsonFiles = readdirSync(results).filter((f) => f.endsWith('.json'));
    assert.equal(jsonFiles.length, 2);

    const report = await flashsale(['report', results, '--out', join(tmp.dir, 'phase1'), '--order-value', '80']);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /Report on 2 run\(s\): .*phase1\.md, .*phase1\.html \(\+ \d+ SVG charts\)/);
    const md = readFileSync(join(tmp.dir, 'phase1.md'), 'utf8');
    const html = readFileSync(join(tmp.dir, 'phase1.html'), 'utf8');
    for (const file of jsonFiles) {
      const result = await readResultsJson(join(results, file));
      // The figures of each JSON appear as they are in the report's summary table.
      assert.ok(
        md.includes(
          `| ${result.config.label} | \`POST ${result.config.path}\` | ${formatNumber(result.summary.requests)} |`,
        ),
      );
      assert.ok(html.includes(result.config.label));
    }
    assert.match(md, /### Synchronous vs asynchronous — flash sale/);
    assert.match(md, /lost revenue per hour \(at \$80\)/);
    assert.match(md, /!\[Success vs failure\]\(phase1-charts\/success\.svg\)/);
    assert.ok(existsSync(join(tmp.dir, 'phase1-charts', 'success.svg')));
  });

  test('bad input is explained', async () => {
    const missing = await flashsale(['report', join(tmp.dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.json: no such file or folder/);

    const other = join(tmp.dir, 'other.json');
    writeFileSync(other, '{"hello": 1}');
    const wrong = await flashsale(['report', other]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /is not a flashsale loadtest result/);

    const empty = tempDir('flashsale-report-empty-');
    const none = await flashsale(['report', empty.dir]);
    empty.cleanup();
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no flashsale loadtest results/);
  });
});
