import { Argument, Command, Option } from 'commander';
import {
  DEFAULT_EXIT_CODE_ON_ERROR,
  describeConfig,
  describeTarget,
  EXIT_THRESHOLDS,
  EXIT_USAGE,
  formatSummary,
  type LoadTestOptions,
  parseDuration,
  parseRate,
  parseWait,
  progressPrinter,
  runLoadTest,
  runOutcome,
  SCENARIOS,
  saveResults,
  summaryJson,
  TargetUnreachableError,
  UsageError,
} from '../loadtest/index.js';
import { parseCount, parsePositiveNumber } from '../loadtest/parse.js';
import type { PayloadKind } from '../loadtest/payload.js';

export const DEFAULT_TARGET = 'http://127.0.0.1:8080';

/** The flags as commander hands them over (strings, parsed by `optionsFromFlags`). */
export interface LoadtestFlags {
  host?: string;
  endpoint?: string;
  users?: string;
  spawnRate?: string;
  runTime?: string;
  wait?: string;
  rate?: string;
  timeout?: string;
  stopTimeout?: string;
  timeScale?: string;
  latencyClock?: string;
  method?: string;
  payload?: string;
  sku?: string;
  expect?: string;
  connections?: string;
  seed?: string;
  name?: string;
  out: string;
  csv?: string;
  json?: boolean;
  jsonFile?: string;
  threshold: string[];
  save: boolean;
  stats: boolean;
  track?: string;
  trackWait?: string;
  progress: 'auto' | 'tty' | 'plain' | 'off';
  quiet?: boolean;
  list?: boolean;
  exitCodeOnError: string;
}

/** Turns the flags into run options; throws a UsageError naming the flag at fault. */
export function optionsFromFlags(
  scenario: string | undefined,
  flags: LoadtestFlags,
  env: NodeJS.ProcessEnv = process.env,
): LoadTestOptions {
  const options: LoadTestOptions = { host: flags.host ?? env.FLASHSALE_URL ?? DEFAULT_TARGET };
  if (scenario) options.scenario = scenario;
  if (flags.endpoint) options.endpoint = flags.endpoint;
  if (flags.users) options.users = parseCount(flags.users, '--users');
  if (flags.spawnRate) options.spawnRate = parsePositiveNumber(flags.spawnRate, '--spawn-rate');
  if (flags.runTime) options.runTimeMs = parseDuration(flags.runTime, '--run-time');
  if (flags.wait) options.waitMs = parseWait(flags.wait);
  if (flags.rate) options.rate = parseRate(flags.rate, '--rate');
  if (flags.timeout) options.timeoutMs = parseDuration(flags.timeout, '--timeout');
  if (flags.stopTimeout) options.stopTimeoutMs = parseDuration(flags.stopTimeout, '--stop-timeout');
  if (flags.timeScale) {
    options.timeScale = flags.timeScale === 'auto' ? 'auto' : parsePositiveNumber(flags.timeScale, '--time-scale');
  }
  if (flags.latencyClock) {
    if (flags.latencyClock !== 'simulated' && flags.latencyClock !== 'wall') {
      throw new UsageError(`--latency-clock: expected simulated or wall, got "${flags.latencyClock}"`);
    }
    options.latencyClock = flags.latencyClock;
  }
  if (flags.method) options.method = flags.method;
  if (flags.payload) {
    if (flags.payload !== 'order' && flags.payload !== 'sellout' && flags.payload !== 'none') {
      throw new UsageError(`--payload: expected order, sellout or none, got "${flags.payload}"`);
    }
    options.payload = flags.payload as PayloadKind;
  }
  if (flags.sku !== undefined) options.sku = flags.sku;
  if (flags.expect) options.expectStatus = flags.expect.split(',').map((c) => parseCount(c, '--expect', { min: 100 }));
  if (flags.connections) options.connections = parseCount(flags.connections, '--connections');
  if (flags.seed) options.seed = parseCount(flags.seed, '--seed', { min: 0 });
  if (flags.name) options.label = flags.name;
  if (!flags.stats) options.sampleServer = false;
  if (flags.track) options.trackOrders = parseCount(flags.track, '--track', { min: 0 });
  if (flags.trackWait) options.trackWaitMs = parseDuration(flags.trackWait, '--track-wait');
  if (flags.threshold.length > 0) options.thresholds = flags.threshold;
  return options;
}

export function loadtestCommand(): Command {
  return new Command('loadtest')
    .description('generate load like Locust (closed-loop users or an open-loop rate) and measure it exactly')
    .addArgument(
      new Argument('[scenario]', 'built-in scenario whose settings are the defaults').choices(Object.keys(SCENARIOS)),
    )
    .option(
      '-H, --host <url[,url…]>',
      `target base URL; several take requests in turn [env FLASHSALE_URL] (default: ${DEFAULT_TARGET})`,
    )
    .option(
      '-e, --endpoint <which>',
      'sync (POST /orders/sync), async (POST /orders/async) or a path (default: sync; async for sellout)',
    )
    .option('-u, --users <n>', 'closed loop: number of virtual users')
    .option('-r, --spawn-rate <n>', 'closed loop: users started per second')
    .option('-w, --wait <min-max>', 'closed loop: pause between a user’s requests; 100-500 (ms), 0.1s-0.5s or 0')
    .option('--rate <n/s>', 'open loop: requests at fixed times, e.g. 60/s, 600/min (latency from the intended time)')
    .option('-t, --run-time <duration>', 'how long to generate load: 30s, 1m, 1h30m (bare number = seconds)')
    .option('--timeout <duration>', 'client timeout per request (bare number = seconds)')
    .option(
      '--stop-timeout <duration>',
      'let requests in flight finish this long after the run time (default: 0 closed loop, the timeout open loop)',
    )
    .option(
      '--time-scale <x|auto>',
      'multiply the client’s simulated durations; auto = the target’s /stats time_scale, else 1 (default: auto)',
    )
    .addOption(
      new Option(
        '--latency-clock <clock>',
        'do response times stand for simulated or wall time (default: simulated for /sync paths)',
      ).choices(['simulated', 'wall']),
    )
    .option('--method <verb>', 'HTTP method (default: POST for the order endpoints, GET otherwise)')
    .addOption(
      new Option(
        '--payload <kind>',
        'request body: a random study order, one unit of --sku for a new customer (sellout), or none (default: order for POST; sellout for the sellout scenario)',
      ).choices(['order', 'sellout', 'none']),
    )
    .option('--sku <sku>', 'the product a sellout payload orders, at its catalog price (default: FLASH-001)')
    .option(
      '--expect <codes>',
      'status codes that count as success, e.g. 200,201 (default: 200 sync, 202 async, 2xx other)',
    )
    .option('--connections <n>', 'most TCP connections per target (default: one per user; 1000 open loop)')
    .option('--seed <n>', 'seed of the random waits and payloads (default: random, recorded)')
    .option('--name <label>', 'name of the run (default: <scenario>-<endpoint>)')
    .option('-o, --out <dir>', 'folder for results', 'results')
    .option(
      '--csv <prefix>',
      'Locust CSV prefix: writes PREFIX_stats.csv, _stats_history.csv, _failures.csv (default: <out>/<name>-<time>)',
    )
    .option('--json-file <file>', 'results JSON file (default: <out>/<name>-<time>.json)')
    .option('--json', 'print the summary as JSON on stdout (progress stays on stderr)')
    .option('--no-save', 'write no result files')
    .option('--no-stats', 'do not sample the target’s /stats')
    .option('--track <n>', 'accepted async orders to follow to payment, 0 = none (default: 200)')
    .option('--track-wait <duration>', 'after the load, keep following them up to this long (default: one look)')
    .addOption(
      new Option('--progress <mode>', 'live progress').choices(['auto', 'tty', 'plain', 'off']).default('auto'),
    )
    .option('-q, --quiet', 'print only the summary')
    .option('--list', 'list the built-in scenarios and exit')
    .option(
      '--threshold <expr>',
      'pass/fail criterion, repeatable: p95<100ms, failures<1%, rps>50 (see below)',
      (value: string, list: string[]) => [...list, value],
      [] as string[],
    )
    .option(
      '--exit-code-on-error <n>',
      'exit code when any request failed, as Locust; 0 = failures do not fail the run',
      String(DEFAULT_EXIT_CODE_ON_ERROR),
    )
    .addHelpText(
      'after',
      `
Scenarios (flags override their settings):
${Object.values(SCENARIOS)
  .map((s) => `  ${s.name.padEnd(9)} ${s.description}`)
  .join('\n')}

Thresholds (k6's vocabulary; judged in study units, as the summary shows them):
  p50 p90 p95 p99 p99.9 p(N) avg min max med   response time: 100, 100ms, 1.5s
  failures                                     share of requests failed: 1%, 0.01
  failed, requests                             counts
  rps, successes/s, failures/s                 per second
  operators < <= > >= ==                       e.g. --threshold 'p95<100ms' --threshold 'failures<1%'
A threshold on failures or failed replaces the any-failure rule of --exit-code-on-error.

The sellout scenario: buyers against a limited stock. Each order is one unit of
FLASH-001 (--sku) for a customer of its own, at the price GET /products/{sku}
gives. A 409 sold_out is an expected answer once the stock is gone; any other
409 (limit_exceeded, price_changed, not_on_sale) is a failure. The summary adds
accepted (202), sold out (409), the other 409s by error, the time to sell out
(first sold_out answer after the start), the 409 response-time percentiles, and
the product's stock before and after; --json carries them under "sellout".

Exit codes:
  0   all thresholds met and no request failed (or failures were accepted)
  1   a request failed (--exit-code-on-error N sets the code, 0 turns it off), or the target is unreachable
  2   usage error: a bad flag or threshold; nothing was run
  ${EXIT_THRESHOLDS}  a threshold was crossed (k6's code); it wins over failed requests

Examples:
  flashsale loadtest normal                      the study's baseline on POST /orders/sync
  flashsale loadtest flash --endpoint async      20 users against the async checkout
  flashsale loadtest flash-60 --run-time 5m      60 orders/s at fixed times for 5 minutes
  flashsale loadtest sellout --run-time 30s      60 buyers/s against FLASH-001's stock
  flashsale loadtest --endpoint /health --users 50 --wait 0 --run-time 10s
  flashsale loadtest flash --csv results/flash   Locust's CSV files under that prefix
  flashsale loadtest flash-60 --endpoint async --run-time 20s --threshold 'p99<100ms' --threshold 'failures<1%'
  flashsale loadtest normal --host http://127.0.0.1:8080,http://127.0.0.1:8081   two targets in turn

A 200 (sync) or 202 (async) answer is a success; anything else, a timeout or a
connection error is a failure. With a time scale (auto-detected from a flashsale
server's /stats), waits, timeouts, run time and rates are scaled so a fast run
keeps the study's ratios; results keep the raw figures plus the scale.`,
    )
    .action(async (scenario: string | undefined, flags: LoadtestFlags) => {
      process.exitCode = await loadtestAction(scenario, flags);
    });
}

async function loadtestAction(scenario: string | undefined, flags: LoadtestFlags): Promise<number> {
  if (flags.list) {
    for (const s of Object.values(SCENARIOS)) process.stdout.write(`${s.name.padEnd(9)} ${s.description}\n`);
    return 0;
  }
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping early (Ctrl-C again to quit without results)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const printer = progressPrinter(process.stderr, flags.quiet ? 'off' : flags.progress);
  try {
    const exitCodeOnError = parseCount(flags.exitCodeOnError, '--exit-code-on-error', { min: 0 });
    if (exitCodeOnError > 255) throw new UsageError(`--exit-code-on-error: expected 0–255, got ${exitCodeOnError}`);
    const options = optionsFromFlags(scenario, flags);
    const result = await runLoadTest(options, {
      signal: controller.signal,
      progressIntervalMs: printer.intervalMs,
      onStart: (config) => {
        if (!flags.quiet)
          process.stderr.write(`${config.label}: ${describeTarget(config)}\n${describeConfig(config)}\n`);
      },
      onProgress: (p) => printer.update(p),
    });
    printer.done();
    const outcome = runOutcome(result, { exitCodeOnError });
    // --json keeps stdout to one JSON document; the human summary is printed before the files are written.
    if (!flags.json) process.stdout.write(`\n${formatSummary(result, { header: Boolean(flags.quiet) })}\n`);
    const files = flags.save
      ? await saveResults(result, {
          dir: flags.out,
          ...(flags.csv ? { csvPrefix: flags.csv } : {}),
          ...(flags.jsonFile ? { jsonFile: flags.jsonFile } : {}),
        })
      : [];
    if (flags.json) process.stdout.write(`${JSON.stringify(summaryJson(result, files, outcome), null, 2)}\n`);
    else if (files.length > 0) process.stdout.write(`\nResults: ${files.join(', ')}\n`);
    if (outcome.exitCode !== 0)
      process.stderr.write(`flashsale loadtest: ${outcome.reason} (exit ${outcome.exitCode})\n`);
    return outcome.exitCode;
  } catch (error) {
    printer.done();
    if (error instanceof UsageError) {
      process.stderr.write(`flashsale loadtest: ${error.message}\n(run with --help for usage)\n`);
      return EXIT_USAGE;
    }
    if (error instanceof TargetUnreachableError) {
      process.stderr.write(`flashsale loadtest: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
