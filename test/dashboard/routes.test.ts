import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

interface Point {
  t: number;
  visible: number;
  acceptedPerS: number;
  processedPerS: number;
  p50: number | null;
}

/** Reads Server-Sent Events until `stop` says enough, or the deadline passes. */
async function readEvents(
  url: string,
  stop: (events: Array<{ event: string; data: unknown }>) => boolean,
  timeoutMs = 10_000,
) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const response = await fetch(url, { signal: controller.signal });
  const events: Array<{ event: string; data: unknown }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
        end = buffer.indexOf('\n\n');
      }
      if (stop(events)) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { response, events };
}

describe('dashboard routes', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService(
      { timeScale: 0.02, workers: 2, payment: { slots: 0 } },
      { dashboard: { intervalMs: 100 } },
    );
  });
  after(() => service.stop());

  test('HTML pages carry a CSP that allows only their own scripts and forbids framing; the API does not', async () => {
    for (const path of ['/dashboard', '/docs']) {
      const response = await fetch(`${service.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /(^|;)script-src 'self'(;|$)/, `${path}: ${csp}`);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /object-src 'none'/, path);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
      await response.arrayBuffer();
    }
    assert.match(
      (await fetch(`${service.url}/dashboard`)).headers.get('content-security-policy') ?? '',
      /style-src 'self'(;|$)/,
      'the dashboard allows no inline style either',
    );
    const order = await postJson(`${service.url}/orders/async`, sampleOrder());
    assert.equal(order.status, 202);
    assert.equal(order.headers.get('content-security-policy'), null, 'JSON answers stay lean');
  });

  test('HEAD on the event stream answers its headers and ends', async () => {
    const response = await fetch(`${service.url}/dashboard/events`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(await response.text(), '');
  });

  test('/ redirects to /dashboard, which serves the page and its scripts from the package', async () => {
    const root = await fetch(`${service.url}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/dashboard');

    const page = await fetch(`${service.url}/dashboard`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    for (const src of html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)) {
      const asset = await fetch(`${service.url}${src[1]}`);
      assert.equal(asset.status, 200, `${src[1]} is served`);
      assert.ok((await asset.arrayBuffer()).byteLength > 500, `${src[1]} has content`);
    }
    assert.doesNotMatch(html, /https?:\/\//, 'no CDN: the page loads nothing from elsewhere');
    const uplot = await fetch(`${service.url}/dashboard/assets/uPlot.iife.min.js`);
    assert.match(uplot.headers.get('content-type') ?? '', /javascript/);
    assert.match(await uplot.text(), /uPlot/);

    const missing = await fetch(`${service.url}/dashboard/assets/..%2Fpackage.json`);
    assert.equal(missing.status, 404);
  });

  test('the event stream sends history, then readings with rates, queue depth and percentiles', async () => {
    const posting = Promise.all(
      Array.from({ length: 40 }, (_, i) => postJson(`${service.url}/orders/async`, sampleOrder(1000 + i))),
    );
    const { response, events } = await readEvents(`${service.url}/dashboard/events`, (events) =>
      events.some((e) => e.event === 'sample' && (e.data as { point: Point }).point.processedPerS > 0),
    );
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const statuses = (await posting).map((r) => r.status);
    assert.deepEqual(new Set(statuses), new Set([202]));

    assert.equal(events[0]?.event, 'history');
    const history = events[0]?.data as { interval_ms: number; points: Point[] };
    assert.equal(history.interval_ms, 100);
    assert.ok(Array.isArray(history.points));
    const samples = events.filter((e) => e.event === 'sample').map((e) => e.data as { point: Point; stats: object });
    assert.ok(samples.length >= 1);
    assert.ok(samples.some((s) => s.point.acceptedPerS > 0 || s.point.processedPerS > 0));
    const last = samples.at(-1);
    assert.ok(last && 'queue' in last.stats, 'each reading carries the /stats snapshot');
  });

  test('/dashboard/history keeps readings; accepted per second adds up to the orders accepted', async () => {
    const before = await getJson<{ accepted: { async: number } }>(`${service.url}/stats`);
    const sent = 30;
    await Promise.all(
      Array.from({ length: sent }, (_, i) => postJson(`${service.url}/orders/async`, sampleOrder(1500 + i))),
    );
    const startedAt = Date.now();
    // Wait until the sampler has read the burst and the queue is empty again.
    const history = await waitFor(
      async () => {
        const { body } = await getJson<{ points: Point[]; stats: { orders?: { pending: number } } | null }>(
          `${service.url}/dashboard/history`,
        );
        const ready = body.points.some((p) => p.t >= startedAt) && body.stats?.orders?.pending === 0;
        return ready ? body : undefined;
      },
      { timeoutMs: 15_000, message: 'history with the burst processed' },
    );
    const after = await getJson<{ accepted: { async: number }; latency_ms: { async: { count: number } } }>(
      `${service.url}/stats`,
    );
    assert.equal(after.body.accepted.async - before.body.accepted.async, sent);
    assert.ok(after.body.latency_ms.async.count >= sent + 40, '/stats counts every async POST in latency_ms');

    // Integrating the rate over the readings gives back the count (± rounding of the rates).
    const points = history.points;
    let integral = 0;
    for (let i = 1; i < points.length; i++) {
      const p = points[i]!;
      integral += (p.acceptedPerS * (p.t - points[i - 1]!.t)) / 1000;
    }
    const total = after.body.accepted.async;
    assert.ok(Math.abs(integral - total) <= total * 0.1 + 2, `∫ accepted/s = ${integral.toFixed(1)} vs ${total}`);
    assert.ok(
      points.some((p) => p.p50 !== null && p.p50 > 0),
      'order POST percentiles appear while orders arrive',
    );
  });

  test('closing the service ends open event streams at once', async () => {
    const other = await startTestService({ timeScale: 0.02 }, { dashboard: { intervalMs: 100 } });
    const controller = new AbortController();
    const response = await fetch(`${other.url}/dashboard/events`, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const started = performance.now();
    await other.stop();
    const ms = performance.now() - started;
    // The grace period is 2 s; a stream that held the server open would use all of it.
    assert.ok(ms < 1500, `closed in ${ms.toFixed(0)} ms`);
    const rest = await reader.read().catch(() => ({ done: true }));
    assert.equal(rest.done, true);
  });

  test('dashboard: false leaves the routes out', async () => {
    const bare = await startTestService({ timeScale: 0.02 }, { dashboard: false });
    try {
      const page = await fetch(`${bare.url}/dashboard`);
      assert.equal(page.status, 404);
    } finally {
      await bare.stop();
    }
  });
});
