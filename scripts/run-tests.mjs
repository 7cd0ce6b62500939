#!/usr/bin/env node
// Runs every test file under test/ with node's own test runner, in lanes side by side:
// - the fleet lane: files that start fleets of processes, measure processing rates or run
//   long fault scenarios (chaos, scale-out, shutdown, lab, admission, packaging), one at a time;
// - the unit lane: every other file (in-process tests on real SQLite, PostgreSQL and HTTP), one at
//   a time. FLASHSALE_TEST_UNIT_LANES=2 splits it in two on a machine with more cores (on two cores
//   the timing-sensitive tests of a third lane's neighbours flake).
// A rate-measuring test never competes with another fleet for the two cores, and the suite takes
// about as long as its longest lane.
// Usage: node scripts/run-tests.mjs [path-filter ...]
//   FLASHSALE_TEST_LANES=1 runs everything in one lane, one file at a time.
// The tests start many flashsale processes: dist/ is built first and they run the compiled CLI
// (test/support/cli-command.ts), a third of tsx's start-up; FLASHSALE_TEST_CLI=src runs the sources.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('..', import.meta.url).pathname;

/** Files of the fleet lane, by path prefix. */
const FLEET = [
  'test/chaos/',
  'test/scale-out/',
  'test/shutdown/',
  'test/lab/',
  'test/package/',
  'test/container/',
  'test/resilience/admission',
  'test/resilience/autoscaler',
  'test/pipeline/async-rate',
  'test/pipeline/crash',
  'test/pipeline/sync.test',
  'test/serverless/',
  'test/loadtest/ci',
  'test/catalog/cli',
  'test/cli/',
  'test/stock/crash',
  'test/stock/oversubscribed',
];

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(relative(root, path));
  }
  return found;
}

const filters = process.argv.slice(2);
const files = findTests(join(root, 'test'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

const env = { ...process.env, FLASHSALE_LOG_LEVEL: process.env.FLASHSALE_LOG_LEVEL ?? 'silent' };
if (env.FLASHSALE_TEST_CLI !== 'src') {
  const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('the build failed: the tests need dist/ (FLASHSALE_TEST_CLI=src runs the sources instead)');
    process.exit(1);
  }
  env.FLASHSALE_TEST_CLI = 'dist';
}

const oneLane = process.env.FLASHSALE_TEST_LANES === '1';
const fleet = oneLane ? [] : files.filter((f) => FLEET.some((prefix) => f.startsWith(prefix)));
const unit = files.filter((f) => !fleet.includes(f));
// The in-process files spend much of their time starting (tsx compiles each file and what it
// imports); more unit lanes overlap that on a machine with cores to spare.
const unitLanes = oneLane ? 1 : Math.max(1, Number(process.env.FLASHSALE_TEST_UNIT_LANES ?? 1));
const lanes = [
  ...Array.from({ length: unitLanes }, (_, i) => ({
    name: unitLanes > 1 ? `unit-${i + 1}` : 'unit',
    files: unit.filter((_, j) => j % unitLanes === i),
  })),
  { name: 'fleet', files: fleet },
].filter((lane) => lane.files.length > 0);

/** Runs one lane's files with the spec reporter, its lines prefixed with the lane's name when two run. */
function runLane(lane) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...lane.files],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env,
      },
    );
    const prefix = lanes.length > 1 ? `[${lane.name}] ` : '';
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      createInterface({ input: stream }).on('line', (line) => out.write(`${prefix}${line}\n`));
    }
    child.on('close', (code, signal) => resolve({ lane: lane.name, code: code ?? (signal ? 1 : 0) }));
  });
}

const started = Date.now();
const results = await Promise.all(lanes.map(runLane));
const seconds = Math.round((Date.now() - started) / 1000);
for (const { lane, code } of results) {
  const count = lanes.find((l) => l.name === lane)?.files.length;
  console.log(`lane ${lane}: ${count} files, ${code === 0 ? 'passed' : `FAILED (exit ${code})`}`);
}
console.log(`all lanes ended in ${seconds} s`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
