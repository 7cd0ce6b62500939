import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

/** promtool (Debian's prometheus package; .ci/run installs it). Under CI=true a missing one fails the run. */
function promtool(): { path: string } | { skip: string } {
  const found = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (found.status === 0) return { path: 'promtool' };
  const reason = 'promtool is not installed (apt-get install prometheus)';
  if (process.env.CI === 'true') throw new Error(`${reason}; CI=true: the metrics lint must run`);
  console.log(`# skipping — ${reason}`);
  return { skip: reason };
}

/** Runs `promtool check metrics` on a scrape; returns its complaints (empty when the text passes). */
function lint(text: string): string {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return run.status === 0 ? '' : `${run.stdout}${run.stderr}`.trim() || `promtool exited ${run.status}`;
}

/** `# TYPE name kind` lines of a scrape. */
function types(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(match[1] ?? '', match[2] ?? '');
  return out;
}

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's section on operating flashsale: its metrics table and its alert. */
function operationsSection(): string {
  const section = /<!-- section:operations -->([\s\S]*?)<!-- \/section:operations -->/.exec(README)?.[1];
  assert.ok(section, 'README has an operations section');
  return section;
}

/** Traffic that touches every kind of answer: accepted, paid, refused by the rate limit, bad input. */
async function traffic(service: TestService): Promise<void> {
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      postJson(`${service.url}/orders/${i % 3 === 0 ? 'sync' : 'async'}`, sampleOrder(1000 + i)),
    ),
  );
  assert.ok(
    results.some((r) => r.status === 429),
    'the rate limit refused some orders',
  );
  // Another client (the limit is per client): its bad input reaches validation.
  const other = { headers: { 'x-api-key': 'another-client' } };
  assert.equal((await postJson(`${service.url}/orders/async`, { customer_id: 'x' }, other)).status, 400);
  assert.equal((await fetch(`${service.url}/no-such-route`)).status, 404);
}

const tool = promtool();

describe('Prometheus metrics follow the naming rules', { skip: 'skip' in tool ? tool.skip : false }, () => {
  test('promtool check metrics passes on a live /metrics after traffic; counters are counters', async () => {
    const service = await startTestService({
      timeScale: 0.01,
      workers: 2,
      autoscale: { enabled: true },
      // One order per real second (0.01 per simulated second at this scale): the burst of 12 is refused
      // past 5 however slowly a busy machine sends it.
      rateLimit: { perSecond: 0.01, burst: 5 },
    });
    try {
      await traffic(service);
      await waitFor(async () => (await service.store.countByStatus()).completed >= 5, { timeoutMs: 10_000 });
      const response = await fetch(`${service.url}/metrics`);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      assert.equal(lint(text), '');

      const kinds = types(text);
      for (const [name, kind] of kinds) {
        if (name.endsWith('_total')) assert.equal(kind, 'counter', `${name} ends in _total: a counter`);
        if (kind === 'counter') assert.ok(name.endsWith('_total'), `counter ${name} ends in _total`);
      }
      for (const name of [
        'flashsale_orders_accepted_total',
        'flashsale_payments_total',
        'flashsale_orders_processed_total',
        'flashsale_admission_decisions_total',
        'flashsale_breaker_events_total',
        'flashsale_rate_limited_total',
        'flashsale_http_requests_total',
      ]) {
        assert.equal(kinds.get(name), 'counter', name);
      }
      assert.equal(kinds.get('flashsale_http_request_duration_seconds'), 'histogram');
      // Standard Node.js dashboards look for these names, unprefixed.
      for (const name of [
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_seconds',
      ]) {
        assert.ok(kinds.has(name), `${name} is exported`);
      }
      assert.ok(
        ![...kinds.keys()].some(
          (name) => name.startsWith('flashsale_process_') || name.startsWith('flashsale_nodejs_'),
        ),
      );

      // The breaker: one series per state, exactly one of them 1.
      const states = [...text.matchAll(/^flashsale_breaker_state\{state="([a-z-]+)"\} (\d)$/gm)];
      assert.deepEqual(states.map((m) => m[1]).sort(), ['closed', 'half-open', 'open']);
      assert.deepEqual(
        states.filter((m) => m[2] === '1').map((m) => m[1]),
        ['closed'],
      );
      // Counters carry the totals /stats shows.
      const stats = (await (await fetch(`${service.url}/stats`)).json()) as { payments: { approved: number } };
      const approved = Number(/^flashsale_payments_total\{result="approved"\} (\d+)$/m.exec(text)?.[1]);
      assert.ok(approved >= 5 && approved <= stats.payments.approved, `approved payments ${approved}`);
    } finally {
      await service.stop();
    }
  });

  test('push mode exports its deliveries as a counter and its invocations in flight as a gauge', async () => {
    const service = await startTestService({ timeScale: 0.01, processor: 'push' });
    try {
      await postJson(`${service.url}/orders/async`, sampleOrder());
      await waitFor(async () => (await service.store.countByStatus()).completed === 1, { timeoutMs: 10_000 });
      // The order is completed inside the delivery; the dispatcher counts the delivery once the handler returns.
      const delivered = /^flashsale_push_deliveries_total\{outcome="delivered"\} 1$/m;
      let text = '';
      await waitFor(
        async () => {
          text = await (await fetch(`${service.url}/metrics`)).text();
          return delivered.test(text);
        },
        { timeoutMs: 10_000, message: 'the delivery counted in /metrics' },
      );
      assert.equal(lint(text), '');
      const kinds = types(text);
      assert.equal(kinds.get('flashsale_push_deliveries_total'), 'counter');
      assert.equal(kinds.get('flashsale_push_in_flight'), 'gauge');
    } finally {
      await service.stop();
    }
  });

  test('the README lists every metric, and its alert is valid and names only exported metrics', async () => {
    const service = await startTestService({ timeScale: 0.01, rateLimit: { perSecond: 100 } });
    let text: string;
    try {
      await postJson(`${service.url}/orders/async`, sampleOrder());
      text = await (await fetch(`${service.url}/metrics`)).text();
    } finally {
      await service.stop();
    }
    const section = operationsSection();
    const documented = new Set([...section.matchAll(/^\| `(flashsale_[a-z0-9_]+)` \|/gm)].map((m) => m[1]));
    const exported = [...types(text).keys()].filter((name) => name.startsWith('flashsale_'));
    assert.deepEqual(
      exported.filter((name) => !documented.has(name)),
      [],
      'every exported metric has a row in the README',
    );

    const rules = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(rules, 'the README shows an alerting rule');
    const dir = mkdtempSync(join(tmpdir(), 'flashsale-rules-'));
    try {
      writeFileSync(join(dir, 'rules.yml'), rules);
      const check = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
      assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const [, name] of rules.matchAll(/\b(flashsale_[a-z0-9_]+)/g)) {
      assert.ok(documented.has(name), `${name} in the alert is documented`);
    }
    for (const name of [
      'flashsale_orders_accepted_total',
      'flashsale_orders_processed_total',
      'flashsale_queue_messages',
    ]) {
      assert.ok(rules.includes(name));
      assert.ok(types(text).has(name), `${name} is exported`);
    }
  });
});
