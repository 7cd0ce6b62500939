import { Command, Option } from 'commander';
import { ParseError, parseDuration, parseNumber } from '../config/parse.js';
import {
  LAB_DEFAULTS,
  type LabOptions,
  LabUsageError,
  PHASE_GROUPS,
  PHASE_IDS,
  STUDY_PHASE_IDS,
} from '../lab/options.js';
import { runLab } from '../lab/run-lab.js';

interface LabFlags {
  timeScale: string;
  phases?: string;
  out: string;
  workers?: string;
  burst?: string;
  drainLimit?: string;
  asyncRunTime?: string;
  syncRunTime?: string;
  probe?: string;
  resolution?: string;
  port?: string;
  seed?: string;
  warmUp?: string;
  deployment: string;
  studyTasks?: string;
  repeat?: string;
}

const whole = (text: string, flag: string, min = 0) => parseNumber(text, { integer: true, min, flag });
const duration = (text: string, flag: string) => parseDuration(text, { flag, positive: true });

/** Reads the flags with the shared parsers; resolveLabOptions then checks the whole. */
export function labOptionsFromFlags(flags: LabFlags): LabOptions {
  const options: LabOptions = {
    timeScale: parseNumber(flags.timeScale, { positive: true, max: 1, flag: '--time-scale' }),
    out: flags.out,
  };
  if (flags.phases) options.phases = [flags.phases];
  if (flags.workers) options.workerCounts = flags.workers.split(',').map((n) => whole(n, '--workers', 1));
  if (flags.burst) options.scalingBurstMs = duration(flags.burst, '--burst');
  if (flags.drainLimit) options.drainLimitMs = duration(flags.drainLimit, '--drain-limit');
  if (flags.asyncRunTime) options.asyncRunTimeMs = duration(flags.asyncRunTime, '--async-run-time');
  if (flags.syncRunTime) options.syncRunTimeMs = duration(flags.syncRunTime, '--sync-run-time');
  if (flags.probe) options.probeMs = duration(flags.probe, '--probe');
  if (flags.resolution) options.searchResolution = whole(flags.resolution, '--resolution', 1);
  if (flags.port) options.port = parseNumber(flags.port, { integer: true, min: 0, max: 65535, flag: '--port' });
  if (flags.seed) options.seed = whole(flags.seed, '--seed');
  if (flags.warmUp) options.warmUpRequests = whole(flags.warmUp, '--warm-up');
  if (flags.deployment !== 'lab' && flags.deployment !== 'study') {
    throw new LabUsageError(`--deployment: expected lab or study, got "${flags.deployment}"`);
  }
  options.deployment = flags.deployment;
  if (flags.studyTasks) options.studyTasks = whole(flags.studyTasks, '--study-tasks', 1);
  if (flags.repeat) options.repeat = whole(flags.repeat, '--repeat', 1);
  return options;
}

export function labCommand(): Command {
  const groups = Object.entries(PHASE_GROUPS)
    .map(([name, ids]) => `${name} = ${ids.join(', ')}`)
    .join('; ');
  return new Command('lab')
    .description(
      'run the whole study against flashsale processes it starts itself; writes lab-report.md and lab-report.html',
    )
    .addOption(
      new Option('--time-scale <x>', 'multiply every simulated duration (0.2: a 3 s payment takes 600 ms)').default(
        String(LAB_DEFAULTS.timeScale),
      ),
    )
    .addOption(
      new Option(
        '--deployment <kind>',
        `lab: the phases below, one flashsale each; study: the study's own deployment and runs beside the seed's table (${STUDY_PHASE_IDS.join(', ')})`,
      )
        .choices(['lab', 'study'])
        .default('lab'),
    )
    .addOption(
      new Option(
        '--phases <list>',
        `comma-separated: ${PHASE_IDS.join(', ')}; or ${groups}; with --deployment study: ${STUDY_PHASE_IDS.join(', ')}`,
      ),
    )
    .addOption(
      new Option('--study-tasks <n>', 'study: flashsale tasks behind the round-robin balancer').default(undefined, '2'),
    )
    .addOption(new Option('--repeat <n>', 'study: runs of each phase, seeds seed, seed + 1, …').default(undefined, '5'))
    .addOption(new Option('-o, --out <dir>', 'folder for the reports and results').default(LAB_DEFAULTS.out))
    .addOption(new Option('--workers <list>', 'worker counts of the scaling phase').default(undefined, '1,5,20,100'))
    .addOption(new Option('--burst <duration>', 'flash sale fed to each worker count').default(undefined, '10s'))
    .addOption(
      new Option('--drain-limit <duration>', 'longest drain to wait for; longer ones are projected').default(
        undefined,
        '100s',
      ),
    )
    .addOption(new Option('--async-run-time <duration>', 'flash sale into one worker').default(undefined, '60s'))
    .addOption(
      new Option('--sync-run-time <duration>', 'each synchronous phase').default(undefined, '30s normal, 60s flash'),
    )
    .addOption(new Option('--probe <duration>', 'each probe of the minimum-workers search').default(undefined, '20s'))
    .addOption(
      new Option('--resolution <n>', 'stop the search when the bracket is this narrow').default(undefined, '5'),
    )
    .addOption(
      new Option('--port <n>', "each phase's service port; watch it at /dashboard").default(undefined, 'any free'),
    )
    .addOption(new Option('--seed <n>', 'seed of the random waits and payloads').default(undefined, '1'))
    .addOption(new Option('--warm-up <n>', 'requests that warm each service up first').default(undefined, '3000'))
    .addHelpText(
      'after',
      `
Durations (10s, 2m, 1h30m; a bare number is ms) are study (simulated) time; the time scale
shortens all of them together.
Examples:
  flashsale lab                                   the whole study, a few minutes
  flashsale lab --phases sync                     the synchronous baseline only
  flashsale lab --phases scaling --workers 1,20   two worker counts
  flashsale lab --phases sellout                  1,000 units to 60 buyers/s: sold = stock, none oversold
  flashsale lab --port 8080                       and watch http://127.0.0.1:8080/dashboard
  flashsale lab --deployment study                the seed's own figures: 2 tasks, 5 runs each, beside its table`,
    )
    .action(async (flags: LabFlags) => {
      let options: LabOptions;
      try {
        options = labOptionsFromFlags(flags);
      } catch (error) {
        if (error instanceof LabUsageError || error instanceof ParseError) {
          console.error(`flashsale lab: ${error.message}`);
          process.exit(2);
        }
        throw error;
      }
      // The report quotes the command that made it.
      options.command = ['flashsale lab', ...process.argv.slice(process.argv.indexOf('lab') + 1)].join(' ');
      const tty = process.stderr.isTTY === true;
      let live = false;
      const clear = () => {
        if (live) process.stderr.write('\r\x1b[2K');
        live = false;
      };
      try {
        const started = performance.now();
        const { result, files } = await runLab(options, {
          log: (line) => {
            clear();
            process.stderr.write(`${line}\n`);
          },
          status: (text) => {
            if (!tty) return;
            process.stderr.write(`\r\x1b[2K  ${text.slice(0, (process.stderr.columns || 120) - 3)}`);
            live = true;
          },
        });
        clear();
        const wall = ((performance.now() - started) / 1000).toFixed(1);
        process.stderr.write(
          `lab finished in ${wall} s (time scale ${result.timeScale}); ${result.phases.length} phase results\n`,
        );
        for (const file of files.slice(0, 3)) process.stdout.write(`${file}\n`);
      } catch (error) {
        clear();
        if (error instanceof LabUsageError) {
          console.error(`flashsale lab: ${error.message}`);
          process.exit(2);
        }
        throw error;
      }
    });
}
