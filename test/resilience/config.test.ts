import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { addServiceFlags, configFromCli, type ServiceFlags } from '../../src/cli/service-flags.js';
import { configFromEnv, resolveConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/core/errors.js';

const TOKEN = 'a-long-enough-admin-token';

function flags(args: string[]): ServiceFlags {
  const command = addServiceFlags(new Command('serve')).exitOverride();
  command.parse(args, { from: 'user' });
  return command.opts<ServiceFlags>();
}

describe('resilience settings', () => {
  test('safe defaults: admission and breaker on, autoscaler, rate limit and admin API off', () => {
    const config = resolveConfig();
    assert.equal(config.admission.enabled, true);
    assert.equal(config.admission.deadlineMs, 10_000);
    assert.equal(config.breaker.enabled, true);
    assert.equal(config.autoscale.enabled, false);
    assert.equal(config.rateLimit.perSecond, 0);
    assert.equal(config.adminToken, undefined);
  });

  test('read from the environment', () => {
    const config = resolveConfig(
      configFromEnv({
        FLASHSALE_ADMISSION_CONTROL: 'off',
        FLASHSALE_SYNC_DEADLINE_MS: '5000',
        FLASHSALE_BREAKER_THRESHOLD: '3',
        FLASHSALE_AUTOSCALE: 'on',
        FLASHSALE_MIN_WORKERS: '2',
        FLASHSALE_MAX_WORKERS: '50',
        FLASHSALE_RATE_LIMIT: '5',
        FLASHSALE_ADMIN_TOKEN: TOKEN,
      }),
    );
    assert.deepEqual(config.admission, { enabled: false, deadlineMs: 5000 });
    assert.equal(config.breaker.threshold, 3);
    assert.equal(config.autoscale.enabled, true);
    assert.deepEqual([config.autoscale.minWorkers, config.autoscale.maxWorkers], [2, 50]);
    assert.equal(config.rateLimit.perSecond, 5);
    assert.equal(config.adminToken, TOKEN);
  });

  test('bad values fail naming the setting', () => {
    const cases: Array<[NodeJS.ProcessEnv, string]> = [
      [{ FLASHSALE_BREAKER: 'maybe' }, 'FLASHSALE_BREAKER'],
      [{ FLASHSALE_SYNC_DEADLINE_MS: 'soon' }, 'FLASHSALE_SYNC_DEADLINE_MS'],
      [{ FLASHSALE_ADMIN_TOKEN: 'short' }, 'FLASHSALE_ADMIN_TOKEN'],
      [{ FLASHSALE_MIN_WORKERS: '20', FLASHSALE_MAX_WORKERS: '10' }, 'autoscale.maxWorkers'],
      [{ FLASHSALE_BREAKER_THRESHOLD: '0' }, 'breaker.threshold'],
    ];
    for (const [env, setting] of cases) {
      assert.throws(
        () => resolveConfig(configFromEnv(env)),
        (error: unknown) => error instanceof ConfigError && error.setting === setting,
        setting,
      );
    }
  });

  test('flags override the environment, and an unset switch leaves it alone', () => {
    const env = { FLASHSALE_ADMISSION_CONTROL: 'off', FLASHSALE_AUTOSCALE: 'on' };
    assert.equal(configFromCli(flags([]), env).admission.enabled, false);
    assert.equal(configFromCli(flags(['--admission-control']), env).admission.enabled, true);
    const config = configFromCli(
      flags(['--no-admission-control', '--no-breaker', '--no-autoscale', '--max-workers', '20', '--rate-limit', '2']),
      {},
    );
    assert.equal(config.admission.enabled, false);
    assert.equal(config.breaker.enabled, false);
    assert.equal(config.autoscale.enabled, false);
    assert.equal(config.autoscale.maxWorkers, 20);
    assert.equal(config.rateLimit.perSecond, 2);
    assert.equal(configFromCli(flags(['--autoscale']), {}).autoscale.enabled, true);
    assert.throws(() => configFromCli(flags(['--breaker-threshold', 'x']), {}), /--breaker-threshold/);
  });
});
