/** `flashsale loadtest` as a user runs it: output, files in Locust's format, clear errors for bad flags. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readResultsJson } from '../../src/loadtest/results.js';
import { tempDir } from '../support/service.js';
import { flashsale } from './support/cli.js';
import { parseCsv } from './support/csv-parse.js';
import { startTestServer, type TestServer } from './support/test-server.js';

// Locust's own column names (locust/stats.py), written out here so the test does not trust our constants.
const LOCUST_PERCENTILES = ['50%', '66%', '75%', '80%', '90%', '95%', '98%', '99%', '99.9%', '99.99%', '100%'];
const LOCUST_STATS = [
  'Type',
  'Name',
  'Request Count',
  'Failure Count',
  'Median Response Time',
  'Average Response Time',
  'Min Response Time',
  'Max Response Time',
  'Average Content Size',
  'Requests/s',
  'Failures/s',
  ...LOCUST_PERCENTILES,
];
const LOCUST_HISTORY = [
  'Timestamp',
  'User Count',
  'Type',
  'Name',
  'Requests/s',
  'Failures/s',
  ...LOCUST_PERCENTILES,
  'Total Request Count',
  'Total Failure Count',
  'Total Median Response Time',
  'Total Average Response Time',
  'Total Min Response Time',
  'Total Max Response Time',
  'Total Average Content Size',
];

describe('flashsale loadtest', () => {
  let server: TestServer;
  const tmp = tempDir('flashsale-loadtest-cli-');
  before(async () => {
    server = await startTestServer((_req, index) => (index % 5 === 4 ? { status: 500 } : { delayMs: 3 }));
  });
  after(async () => {
    await server.close();
    tmp.cleanup();
  });

  test('runs, prints a Locust-style summary and writes JSON and Locust CSVs', async () => {
    const prefix = join(tmp.dir, 'run');
    const run = await flashsale([
      'loadtest',
      '--host',
      server.url,
      '--endpoint',
      '/api/items',
      '--users',
      '4',
      '--spawn-rate',
      '100',
      '--wait',
      '0-2',
      '--run-time',
      '1.5s',
      '--progress',
      'plain',
      '--csv',
      prefix,
      '--json-file',
      `${prefix}.json`,
    ]);
    assert.equal(run.code, 1, `some requests failed: Locust's exit code 1\n${run.stderr}`);
    assert.match(run.stdout, /Aggregated/);
    assert.match(run.stdout, /Response time percentiles/);
    assert.match(run.stdout, /Error report/);
    assert.match(run.stdout, /HTTP 500/);
    assert.match(run.stderr, /closed loop: 4 users/);
    assert.ok(run.stdout.includes(`Results: ${prefix}.json, ${prefix}_stats.csv`), run.stdout);

    const result = await readResultsJson(`${prefix}.json`);
    assert.equal(result.config.users, 4);
    assert.equal(result.config.method, 'GET');
    assert.ok(result.summary.requests > 0 && result.summary.failures > 0);

    const stats = parseCsv(readFileSync(`${prefix}_stats.csv`, 'utf8'));
    assert.deepEqual(stats[0], LOCUST_STATS);
    assert.equal(stats.length, 3); // the request type and the Aggregated row
    const [row, aggregated] = [stats[1]!, stats[2]!];
    const column = (name: string, r: string[]) => r[LOCUST_STATS.indexOf(name)]!;
    assert.equal(column('Type', row), 'GET');
    assert.equal(column('Name', row), '/api/items');
    assert.equal(column('Name', aggregated), 'Aggregated');
    assert.equal(Number(column('Request Count', aggregated)), result.summary.requests);
    assert.equal(Number(column('Failure Count', aggregated)), result.summary.failures);
    for (const name of LOCUST_STATS.slice(2)) assert.ok(Number.isFinite(Number(column(name, row))), name);

    const history = parseCsv(readFileSync(`${prefix}_stats_history.csv`, 'utf8'));
    assert.deepEqual(history[0], LOCUST_HISTORY);
    assert.equal(history.length - 1, result.series.length);
    const lastHistory = history.at(-1)!;
    assert.equal(Number(lastHistory[LOCUST_HISTORY.indexOf('Total Request Count')]), result.summary.requests);
    assert.ok(Number(lastHistory[0]) > 1.7e9, 'Timestamp is a Unix time in seconds');

    const failures = parseCsv(readFileSync(`${prefix}_failures.csv`, 'utf8'));
    assert.deepEqual(failures[0], ['Method', 'Name', 'Error', 'Occurrences']);
    assert.deepEqual(failures[1]!.slice(0, 2), ['GET', '/api/items']);
    assert.match(failures[1]![2]!, /HTTP 500/);
    assert.equal(Number(failures[1]![3]), result.summary.failures);
    assert.deepEqual(parseCsv(readFileSync(`${prefix}_exceptions.csv`, 'utf8'))[0], [
      'Count',
      'Message',
      'Traceback',
      'Nodes',
    ]);
  });

  test('bad flags are usage errors that name the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--users', 'many'], /--users: expected a whole number/],
      [['--rate', '10/s', '--users', '5'], /--rate \(open loop\) cannot be combined with --users/],
      [['--wait', '500-100'], /--wait: the minimum \(500 ms\) is above the maximum/],
      [['--run-time', '10 parsecs'], /--run-time: cannot read duration/],
      [['--host', 'localhost:8080'], /--host: only http:\/\/ and https:\/\/ targets/],
      [['--endpoint', 'orders'], /--endpoint: expected sync, async or a path/],
      [['--time-scale', '-1'], /--time-scale: expected a number greater than zero/],
    ];
    for (const [args, message] of cases) {
      const run = await flashsale(['loadtest', '--host', server.url, '--no-save', ...args]);
      assert.equal(run.code, 2, `${args.join(' ')}: exit ${run.code}`);
      assert.match(run.stderr, message);
    }
    const scenario = await flashsale(['loadtest', 'black-friday']);
    assert.notEqual(scenario.code, 0);
    assert.match(scenario.stderr, /normal, flash, flash-60|"normal", "flash", "flash-60"/);
  });

  test('an unreachable target fails fast with a hint', async () => {
    const run = await flashsale(['loadtest', '--host', 'http://127.0.0.1:1', '--no-save']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot reach http:\/\/127\.0\.0\.1:1: ECONNREFUSED .*flashsale serve/);
  });

  test('--help explains the scenarios and flags', async () => {
    const run = await flashsale(['loadtest', '--help']);
    assert.equal(run.code, 0);
    for (const text of ['--users', '--rate', '--time-scale', 'flash-60', 'Examples:'])
      assert.ok(run.stdout.includes(text));
  });
});
