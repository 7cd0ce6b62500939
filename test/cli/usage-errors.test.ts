/** Usage errors exit 2 in every command, commander's own included; --help and --version exit 0. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VERSION } from '../../src/version.js';
import { type CliRun, flashsale } from '../loadtest/support/cli.js';

/** Runs the CLI for each case, a few at a time (each is a Node process on a shared machine). */
async function runAll(cases: readonly string[][]): Promise<CliRun[]> {
  const runs: CliRun[] = [];
  for (let i = 0; i < cases.length; i += 4) runs.push(...(await Promise.all(cases.slice(i, i + 4).map(flashsale))));
  return runs;
}

test('bad command lines exit 2 with the error and a hint, in every command', async () => {
  const cases: [string[], RegExp][] = [
    [['nosuch'], /unknown command 'nosuch'/],
    [[], /Usage: flashsale/],
    [['loadtest', '--bogus'], /unknown option '--bogus'/],
    [['loadtest', '--users'], /option '-u, --users <n>' argument missing/],
    [['loadtest', '--progress', 'loud'], /argument 'loud' is invalid\. Allowed choices are auto, tty, plain, off/],
    [
      ['loadtest', 'black-friday'],
      /'black-friday' is invalid for argument 'scenario'\. Allowed choices are normal, flash, flash-60/,
    ],
    [['analyze', '--bogus'], /unknown option '--bogus'/],
    [['cost', '--orders', 'abc'], /option '--orders <n>' argument 'abc' is invalid\. expected a number/],
    [['report'], /missing required argument 'results'/],
    [['dlq', 'list', '--bogus'], /unknown option '--bogus'/],
    [['workers', 'set'], /missing required argument 'count'/],
    [['serve', '--port'], /argument missing/],
  ];
  const runs = await runAll(cases.map(([args]) => args));
  for (const [i, run] of runs.entries()) {
    const [args, message] = cases[i]!;
    assert.equal(run.code, 2, `flashsale ${args.join(' ')}: exit ${run.code}\n${run.stderr}`);
    assert.match(run.stderr, message, `flashsale ${args.join(' ')}`);
    if (args.length > 0) assert.match(run.stderr, /\(run with --help for usage\)/);
  }
});

test('--help and --version exit 0 and print on stdout', async () => {
  const [help, version, loadtestHelp, subHelp] = await runAll([
    ['--help'],
    ['--version'],
    ['loadtest', '--help'],
    ['dlq', 'list', '--help'],
  ]);
  assert.equal(help!.code, 0);
  assert.match(help!.stdout, /Usage: flashsale \[options\] \[command\]/);
  assert.equal(version!.code, 0);
  assert.equal(version!.stdout.trim(), VERSION);
  assert.equal(loadtestHelp!.code, 0);
  assert.match(loadtestHelp!.stdout, /Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*usage error.*\n {2}99 .*threshold/);
  assert.equal(subHelp!.code, 0);
  assert.match(subHelp!.stdout, /Usage: flashsale dlq list/);
});
