import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration, ParseError, parseBoolean, parseDuration, parseNumber } from '../../src/config/parse.js';

describe('the one duration parser', () => {
  test('reads units, combinations and bare milliseconds', () => {
    const cases: Array<[string, number]> = [
      ['0', 0],
      ['3000', 3000],
      ['500ms', 500],
      ['3s', 3000],
      ['1.5s', 1500],
      ['.5s', 500],
      ['2m', 120_000],
      ['2min', 120_000],
      ['1h30m', 5_400_000],
      ['1h30m15s', 5_415_000],
      ['4d', 345_600_000],
      [' 3S ', 3000],
    ];
    for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
    assert.equal(parseDuration('30', { bare: 's' }), 30_000, 'the load generator reads bare seconds, as Locust');
  });

  test('refuses negative, empty and unreadable durations, naming the flag when given', () => {
    for (const text of ['', 'abc', '-5', '-5s', '3 s', '3x', 's', '1h-30m', 'NaN', 'Infinity', '1e3']) {
      assert.throws(() => parseDuration(text), ParseError, JSON.stringify(text));
    }
    assert.throws(
      () => parseDuration('abc', { flag: '--latency' }),
      /^ParseError: --latency: cannot read duration "abc"/,
    );
    assert.throws(() => parseDuration('-5s'), /never negative/);
    assert.throws(() => parseDuration('0s', { positive: true, flag: '--timeout' }), /--timeout: must be > 0/);
    assert.throws(() => parseDuration(-1), ParseError);
  });

  test('formats the way durations are written', () => {
    assert.deepEqual([0, 250, 1500, 3000, 60_000, 90_000, 3_600_000, 345_600_000].map(formatDuration), [
      '0',
      '250ms',
      '1500ms',
      '3s',
      '1m',
      '1m30s',
      '1h',
      '4d',
    ]);
    for (const ms of [250, 3000, 90_000, 5_415_000, 345_600_000]) assert.equal(parseDuration(formatDuration(ms)), ms);
  });
});

describe('the one boolean parser', () => {
  test('reads 1/0, true/false, yes/no, on/off in any case', () => {
    for (const word of ['1', 'true', 'TRUE', 'yes', 'Yes', 'on', 'ON', ' on '])
      assert.equal(parseBoolean(word), true, word);
    for (const word of ['0', 'false', 'False', 'no', 'NO', 'off', 'Off']) assert.equal(parseBoolean(word), false, word);
  });

  test('refuses anything else', () => {
    for (const word of ['', 'maybe', 'enabled', '2', 'y', 'n']) {
      assert.throws(() => parseBoolean(word), /must be true or false \(or on\/off, yes\/no, 1\/0\)/, word);
    }
  });
});

describe('the one number parser', () => {
  test('reads decimals, exponents and digit separators', () => {
    assert.equal(parseNumber('42'), 42);
    assert.equal(parseNumber(' 0.25 '), 0.25);
    assert.equal(parseNumber('1e6'), 1_000_000);
    assert.equal(parseNumber('1_000_000'), 1_000_000);
    assert.equal(parseNumber('-3'), -3);
  });

  test('applies the integer, min, max and positive rules', () => {
    assert.equal(parseNumber('5', { integer: true, min: 1, max: 10 }), 5);
    assert.throws(() => parseNumber('1.5', { integer: true }), /expected a whole number, got "1.5"/);
    assert.throws(() => parseNumber('-1', { min: 0, flag: '--push-retries' }), /--push-retries: must be ≥ 0, got -1/);
    assert.throws(() => parseNumber('2', { max: 1 }), /must be ≤ 1, got 2/);
    assert.throws(() => parseNumber('0', { positive: true }), /must be > 0, got 0/);
  });

  test('refuses text that is not a number', () => {
    for (const text of ['', 'many', '0x10', '1,5', 'Infinity', 'NaN', '5%', '_1']) {
      assert.throws(() => parseNumber(text), /expected a number/, JSON.stringify(text));
    }
  });
});
