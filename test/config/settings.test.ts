import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { configFromEnv, DEFAULT_CONFIG, resolveConfig } from '../../src/config/config.js';
import { addSettingOptions } from '../../src/config/flags.js';
import { ROLES } from '../../src/config/service-config.js';
import { defaultOf, getPath, SETTINGS, settingsOf } from '../../src/config/settings.js';
import { withSettingsTable } from '../../src/config/settings-doc.js';

describe('the settings table', () => {
  test('names each setting once: one path, one variable, one flag', () => {
    for (const key of ['path', 'env', 'flag'] as const) {
      const names = SETTINGS.map((s) => s[key]).filter(Boolean);
      assert.deepEqual(
        names.filter((name, i) => names.indexOf(name) !== i),
        [],
        `${key}s used twice`,
      );
    }
  });

  test('every default is allowed by its own rule, and DEFAULT_CONFIG is made of them', () => {
    for (const s of SETTINGS) {
      for (const role of ROLES) {
        const value = defaultOf(s, role);
        if (value !== undefined) assert.equal(s.rule.check(value), undefined, `${s.path} in ${role}`);
      }
      assert.deepEqual(getPath(DEFAULT_CONFIG, s.path), s.default, s.path);
    }
    assert.deepEqual(resolveConfig(), DEFAULT_CONFIG);
    assert.equal(DEFAULT_CONFIG.host, '127.0.0.1', 'a default start is not reachable from the network');
  });

  test('every on/off variable accepts the same words (FLASHSALE_PROVISION=on works)', () => {
    const switches = SETTINGS.filter((s) => s.rule.switch);
    assert.ok(switches.length >= 5);
    for (const s of switches) {
      for (const [words, expected] of [
        [['1', 'true', 'yes', 'on', 'ON', 'True'], true],
        [['0', 'false', 'no', 'off', 'OFF', 'No'], false],
      ] as const) {
        for (const word of words) {
          assert.equal(getPath(resolveConfig(configFromEnv({ [s.env]: word })), s.path), expected, `${s.env}=${word}`);
        }
      }
      assert.throws(() => configFromEnv({ [s.env]: 'maybe' }), new RegExp(`${s.env}: must be true or false`));
    }
    assert.equal(resolveConfig(configFromEnv({ FLASHSALE_PROVISION: 'on' })).aws.provision, true);
  });

  test('--help of each role lists each of its flags with its variable and its default', () => {
    for (const role of ['serve', 'api', 'worker', 'gateway'] as const) {
      const help = addSettingOptions(new Command(role), role).helpInformation({ error: false });
      const flat = help.replace(/\s+/g, ' ');
      for (const s of settingsOf(role).filter((x) => x.flag)) {
        assert.ok(flat.includes(`${s.flag} `), `${role} --help lists ${s.flag}`);
        const value = defaultOf(s, role);
        const shown = value === undefined ? '' : `, default ${s.rule.show(value as never)}`;
        assert.ok(flat.includes(`(env ${s.env}${shown}`), `${role} --help: ${s.flag} (env ${s.env}${shown}`);
      }
      const others = SETTINGS.filter((s) => s.flag && !s.roles.includes(role));
      for (const s of others) assert.ok(!flat.includes(`${s.flag} `), `${role} --help does not list ${s.flag}`);
    }
  });

  test('the README settings table is the one generated from the table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    assert.ok(
      withSettingsTable(readme) === readme,
      'README.md settings table is stale: run `npm run docs:settings` and commit README.md',
    );
    for (const s of SETTINGS) assert.ok(readme.includes(`| \`${s.env}\``), `README lists ${s.env}`);
  });
});
