import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEFAULT_OPTIONS, optionsFromContext } from '../lib/options.js';

const infra = new URL('..', import.meta.url).pathname;
const context = (values: Record<string, unknown>) => optionsFromContext((key) => values[key]);

describe('context options', () => {
  test('defaults: worker service, no database, two API tasks', () => {
    assert.deepEqual(context({}), DEFAULT_OPTIONS);
    assert.equal(DEFAULT_OPTIONS.processor, 'service');
    assert.equal(DEFAULT_OPTIONS.apiTasks, 2);
  });

  test('command-line strings become typed options', () => {
    assert.deepEqual(
      context({ processor: 'function', database: 'postgres', image: 'repo/flashsale:1', apiTasks: '3' }),
      { ...DEFAULT_OPTIONS, processor: 'function', database: true, image: 'repo/flashsale:1', apiTasks: 3 },
    );
  });

  test('a bad value fails naming the context key', () => {
    assert.throws(() => context({ processor: 'lambda' }), /"processor" must be "service" or "function"/);
    assert.throws(() => context({ database: 'mysql' }), /"database" must be "none" or "postgres"/);
    assert.throws(() => context({ maxProcessorTasks: '0' }), /"maxProcessorTasks" must be an integer ≥ 1/);
  });
});

describe('cdk synth', () => {
  const out = mkdtempSync(join(tmpdir(), 'flashsale-cdk-cli-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  test('the cdk CLI synthesizes the app offline, without AWS credentials, from infra/ with its own install', () => {
    // Drop any AWS settings so nothing could be looked up in an account.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
    const result = spawnSync(
      process.execPath,
      [join(infra, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--quiet', '--output', out, '-c', 'processor=function'],
      { cwd: infra, env: { ...env, CI: 'true' }, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    const template = JSON.parse(readFileSync(join(out, 'Flashsale.template.json'), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    assert.ok(types.includes('AWS::Lambda::Function'), 'the context flag reached the app');
    assert.ok(types.includes('AWS::ElasticLoadBalancingV2::LoadBalancer'));
    assert.doesNotMatch(result.stderr, /WARNING|Error/);
  });
});
