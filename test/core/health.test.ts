import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Events } from '../../src/core/events.js';
import { DependencyError, DependencyHealth } from '../../src/core/health.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { recordingLogger } from '../support/manual-time.js';

describe('dependency health', () => {
  test('an outage is logged once when it starts and once when it ends, however many calls fail', async () => {
    const clock = new ManualClock();
    const logger = recordingLogger();
    const health = new DependencyHealth({ clock, logger });
    health.track('store', 'bus');
    assert.deepEqual(Object.keys(health.snapshot()), ['store', 'bus'], 'listed before any call');
    assert.equal(health.ready(), true);

    for (let i = 0; i < 50; i++) health.down('store', new Error('connection terminated'));
    await clock.advance(4200);
    health.down('store', new Error('ECONNREFUSED'));
    const down = health.snapshot().store;
    assert.deepEqual(down, {
      state: 'down',
      since: new Date(clock.now() - 4200).toISOString(),
      down_ms: 4200,
      failures: 51,
      outages: 1,
      last_error: 'ECONNREFUSED',
    });
    assert.equal(health.ready(), false);
    assert.equal(health.ready(['bus']), true, 'readiness can name the dependencies that matter');

    for (let i = 0; i < 10; i++) health.up('store');
    assert.deepEqual(logger.at('warn'), ['store is unavailable; retrying with backoff until it answers']);
    assert.deepEqual(logger.at('info'), ['store is back after 4.2 s']);
    assert.equal(logger.lines.find((l) => l.level === 'info')?.fields.outageMs, 4200);
    assert.equal(logger.lines.find((l) => l.level === 'warn')?.fields.dependency, 'store');
    const up = health.snapshot().store;
    assert.equal(up?.state, 'up');
    assert.equal(up?.failures, 0);
    assert.equal(up?.last_error, 'ECONNREFUSED', 'the last error stays for the operator');

    health.down('store', new Error('again'));
    assert.equal(health.snapshot().store?.outages, 2);
    assert.equal(logger.at('warn').length, 2, 'a second outage is a second change');
  });

  test('observe reports a call: success up, failure down with the dependency named, an abort neither', async () => {
    const health = new DependencyHealth({ clock: new ManualClock(), logger: recordingLogger() });
    const changes: string[] = [];
    health.on('change', (name, status) => changes.push(`${name} ${status.up ? 'up' : 'down'}`));
    await assert.rejects(health.observe('bus', Promise.reject(new Error('socket hang up'))), (error) => {
      assert.ok(error instanceof DependencyError);
      assert.equal(error.dependency, 'bus');
      assert.match(error.message, /bus unavailable: socket hang up/);
      return true;
    });
    assert.equal(await health.observe('bus', Promise.resolve(7)), 7);
    await assert.rejects(
      health.observe('bus', Promise.reject(new DOMException('aborted', 'AbortError'))),
      (error) => error instanceof DOMException,
    );
    assert.deepEqual(changes, ['bus down', 'bus up']);
    assert.equal(health.isUp('bus'), true);
  });
});

describe('typed events', () => {
  test('every listener hears each event; one that throws neither stops the others nor the emitter', () => {
    const errors: unknown[] = [];
    const events = new Events<{ settled: [id: string, ms: number] }>((error) => errors.push(error));
    const heard: string[] = [];
    events.on('settled', (id) => heard.push(`a ${id}`));
    events.on('settled', () => {
      throw new Error('listener bug');
    });
    const off = events.on('settled', (id, ms) => heard.push(`c ${id} ${ms}`));
    events.emit('settled', 'o1', 5);
    off();
    events.emit('settled', 'o2', 6);
    assert.deepEqual(heard, ['a o1', 'c o1 5', 'a o2']);
    assert.equal(errors.length, 2);
    assert.equal(events.count('settled'), 2);
  });
});
