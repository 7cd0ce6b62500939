import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import {
  type ConfigOverrides,
  configFromEnv,
  functionConfig,
  resolveRoleConfig,
  type ServiceConfig,
} from '../../src/config/config.js';
import { addSettingOptions, overridesFromFlags, type SettingFlags } from '../../src/config/flags.js';
import type { Role } from '../../src/config/service-config.js';
import type { Setting } from '../../src/config/setting.js';
import { defaultOf, getPath, readSetting, settingsOf } from '../../src/config/settings.js';
import { CLI } from '../support/cli-command.js';

const root = new URL('../../', import.meta.url).pathname;
/** What other settings must be for a sample to be valid: postgres needs a URL and the SQS bus. */
const CONTEXT = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/flashsale' };
const CONTEXT_OF: Record<string, NodeJS.ProcessEnv> = { store: { ...CONTEXT, FLASHSALE_BUS: 'sqs' } };

/** Text for each kind of value; a setting's sample is the first it accepts that is not its default. */
const CANDIDATES = [
  '2500ms',
  '7',
  '0.5',
  'on',
  'off',
  'sqs',
  'postgres',
  'push',
  'closed',
  'naive',
  'debug',
  'http://127.0.0.1:9',
  'postgres://u@127.0.0.1:5432/other',
  'smtp://127.0.0.1:2525',
  'a-long-enough-admin-token',
  '20000',
];

function sample(s: Setting, role: Role): { raw: string; value: unknown } {
  for (const raw of CANDIDATES) {
    try {
      const value = readSetting(s, raw, s.env);
      if (JSON.stringify(value) !== JSON.stringify(defaultOf(s, role))) return { raw, value };
    } catch {
      // not a value of this kind
    }
  }
  throw new Error(`no sample value for ${s.path}`);
}

/** What the role's command reads from its argv (commander, as the CLI runs it). */
function flagsOf(role: Role, args: string[]): SettingFlags {
  const command = addSettingOptions(new Command(role), role).exitOverride();
  command.parse(args, { from: 'user' });
  return command.opts<SettingFlags>();
}

/** The CLI's layering (as roleConfig): role defaults < environment < flags. The gateway fixes its unused bus. */
function cliConfig(role: Role, env: NodeJS.ProcessEnv, args: string[]): ServiceConfig {
  const forced: ConfigOverrides = role === 'gateway' ? { bus: 'sqs' } : {};
  return resolveRoleConfig(role, configFromEnv(env), overridesFromFlags(flagsOf(role, args)), forced);
}

describe('a setting given by flag or by environment', () => {
  for (const role of ['serve', 'api', 'worker', 'gateway'] as const) {
    test(`${role}: every flag gives the same config as its variable`, () => {
      const flagged = settingsOf(role).filter((s) => s.flag);
      assert.ok(flagged.length > 10);
      for (const s of flagged) {
        const context = CONTEXT_OF[s.path] ?? CONTEXT;
        const { raw, value } = sample(s, role);
        const args = s.rule.switch ? [raw === 'on' ? s.flag! : `--no-${s.flag!.slice(2)}`] : [s.flag!, raw];
        const byFlag = cliConfig(role, context, args);
        const byEnv = cliConfig(role, { ...context, [s.env]: raw }, []);
        assert.deepEqual(getPath(byFlag, s.path), value, `${role} ${args.join(' ')}`);
        assert.deepEqual(byFlag, byEnv, `${role}: ${args.join(' ')} and ${s.env}=${raw}`);
      }
    });
  }

  test('function: its environment gives what serve takes from the same flag', () => {
    for (const s of settingsOf('function')) {
      const context = CONTEXT_OF[s.path] ?? CONTEXT;
      const { raw, value } = sample(s, 'function');
      const fromEnv = functionConfig({ ...context, [s.env]: raw });
      assert.deepEqual(getPath(fromEnv, s.path), value, `${s.env}=${raw}`);
      if (s.flag) assert.deepEqual(getPath(cliConfig('serve', context, [s.flag, raw]), s.path), value, s.flag);
    }
    assert.equal(functionConfig({ LAMBDA_TASK_ROOT: '/var/task' }).dbPath, '/tmp/flashsale.db');
    assert.equal(functionConfig({ LAMBDA_TASK_ROOT: '/var/task', FLASHSALE_DB: '/mnt/x.db' }).dbPath, '/mnt/x.db');
  });

  test('a flag wins over the variable, and role defaults apply when neither is given', () => {
    assert.equal(cliConfig('worker', { FLASHSALE_WORKERS: '3' }, ['--workers', '9']).workers, 9);
    assert.equal(cliConfig('worker', {}, []).port, 8081);
    assert.equal(cliConfig('gateway', {}, []).port, 8090);
    assert.equal(cliConfig('gateway', {}, []).dbPath, './data/gateway.db');
    assert.equal(cliConfig('api', { PORT: '9000' }, []).port, 9000);
  });

  test('a flag the role does not use is refused', () => {
    assert.throws(() => flagsOf('gateway', ['--workers', '5']), /unknown option '--workers'/);
    assert.throws(() => flagsOf('api', ['--autoscale']), /unknown option '--autoscale'/);
  });

  test('an error names the setting by its flag and its variable', () => {
    assert.throws(
      () => cliConfig('serve', {}, ['--payment-latency', 'abc']),
      /^SettingError: --payment-latency: cannot read duration "abc".*\(env FLASHSALE_PAYMENT_LATENCY_MS\)$/,
    );
    assert.throws(
      () => cliConfig('worker', { FLASHSALE_WORKERS: '-1' }, []),
      /^SettingError: FLASHSALE_WORKERS: must be ≥ 0, got -1 \(flag --workers\)$/,
    );
    assert.throws(
      () => resolveRoleConfig('serve', { breaker: { threshold: 0 } }),
      /^SettingError: breaker\.threshold: must be ≥ 1, got 0 \(flag --breaker-threshold, env FLASHSALE_BREAKER_THRESHOLD\)$/,
    );
  });
});

describe('flashsale refuses a bad setting at start', () => {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [...CLI, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  test('exit code 2, naming the flag and the variable, for each role', () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['serve', '--payment-latency', 'abc'], {}, /invalid setting --payment-latency: .*FLASHSALE_PAYMENT_LATENCY_MS/],
      [['api'], { FLASHSALE_PROVISION: 'maybe' }, /invalid setting FLASHSALE_PROVISION: .*--provision/],
      [
        ['worker', '--visibility-timeout', '0'],
        {},
        /invalid setting --visibility-timeout: must be > 0.*FLASHSALE_VISIBILITY/,
      ],
      [['gateway'], { FLASHSALE_PAYMENT_SLOTS: '1.5' }, /invalid setting FLASHSALE_PAYMENT_SLOTS: .*--payment-slots/],
    ];
    for (const [args, env, message] of cases) {
      const result = run(args, env);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  test('flashsale cost takes a duration: --duration 3s is the study’s 3 s', () => {
    const three = run(['cost', '--duration', '3s', '--json']);
    assert.equal(three.status, 0, three.stderr);
    assert.equal(JSON.parse(three.stdout).workload.durationSeconds, 3);
    const half = run(['cost', '--duration', '1500ms', '--json']);
    assert.equal(JSON.parse(half.stdout).workload.durationSeconds, 1.5);
    const bad = run(['cost', '--duration', 'soon']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--duration <duration>.*cannot read duration "soon"/);
  });
});
