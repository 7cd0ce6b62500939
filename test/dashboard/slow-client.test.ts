import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ServiceProcess } from '../../src/lab/service-process.js';
import { postJson, sampleOrder } from '../support/orders.js';
import { tempDir, waitFor } from '../support/service.js';

const MB = 1024 * 1024;

/**
 * A reading every 50 ms rather than the default second, so that the test takes
 * seconds: what the stuck client does not take piles up 20 times as fast, and
 * the server must drop it the same way.
 */
const INTERVAL_MS = 50;

/**
 * A client that opens the event stream and never reads a byte of it, with a
 * small receive buffer and small segments so that the kernel holds ~50 KB for it
 * (on loopback's defaults a silent socket soaks up ~3 MB before the server's
 * process sees any of it). Python, because Node cannot set SO_RCVBUF or
 * TCP_MAXSEG on a TCP socket; sent "read" on stdin, it reads until the end and
 * prints how the stream ended.
 */
const STUCK_CLIENT = `
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
s.connect((sys.argv[1], int(sys.argv[2])))
s.sendall(b"GET /dashboard/events HTTP/1.1\\r\\nHost: flashsale\\r\\nAccept: text/event-stream\\r\\n\\r\\n")
print("connected", flush=True)
sys.stdin.readline()
try:
    while s.recv(65536):
        pass
    print("ended: closed", flush=True)
except OSError as error:
    print("ended: " + (error.strerror or str(error)), flush=True)
`;

async function stuckClient(url: string): Promise<{ read: () => Promise<string>; kill: () => void }> {
  const { hostname, port } = new URL(url);
  const child = spawn('python3', ['-c', STUCK_CLIENT, hostname, port], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitFor(() => output.includes('connected'), { message: 'the stuck client connected' });
  return {
    read: async () => {
      child.stdin.write('read\n');
      await waitFor(() => /ended: .*/.exec(output), { timeoutMs: 5000, message: 'the stuck stream to end' });
      return /ended: (.*)/.exec(output)?.[1] ?? '';
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/** A client that reads the stream as a browser does, counting the readings. */
function readingClient(url: string): { samples: () => number; stop: () => void } {
  const controller = new AbortController();
  let samples = 0;
  void (async () => {
    const response = await fetch(`${url}/dashboard/events`, { signal: controller.signal });
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      samples += decoder.decode(chunk, { stream: true }).split('event: sample').length - 1;
    }
  })().catch(() => undefined);
  return { samples: () => samples, stop: () => controller.abort() };
}

async function burst(url: string, orders: number): Promise<void> {
  for (let sent = 0; sent < orders; sent += 50) {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => postJson(`${url}/orders/async`, sampleOrder(1000 + ((sent + i) % 1000)))),
    );
    assert.ok(answers.every((a) => a.status === 202));
  }
}

async function dashboardFigures(url: string): Promise<{ clients: number; dropped: number }> {
  const stats = (await (await fetch(`${url}/stats`)).json()) as { dashboard: { clients: number; dropped: number } };
  return stats.dashboard;
}

describe('a dashboard client that stops reading', () => {
  let service: ServiceProcess;
  let dir: ReturnType<typeof tempDir>;

  before(async () => {
    dir = tempDir('flashsale-slow-client-');
    service = await ServiceProcess.start({
      config: {
        host: '127.0.0.1',
        port: 0,
        dbPath: join(dir.dir, 'flashsale.db'),
        logLevel: 'silent',
        timeScale: 0.01,
        workers: 50,
        payment: { slots: 0 },
      },
      warmUpRequests: 0,
      dashboardIntervalMs: INTERVAL_MS,
    });
  });
  after(async () => {
    await service?.close();
    dir?.cleanup();
  });

  test('is dropped while others keep receiving, and the server’s memory stays flat', async () => {
    // The first burst warms the code and the caches, so that the baseline is the server at work.
    await burst(service.url, 500);
    const reader = readingClient(service.url);
    await waitFor(() => reader.samples() > 10, { message: 'the reading client gets samples' });
    const baseline = (await service.usage()).rssBytes;
    let peak = baseline;
    const watch = setInterval(() => {
      service.usage().then(
        (u) => {
          peak = Math.max(peak, u.peakRssBytes);
        },
        () => undefined,
      );
    }, 250);

    const stuck = await stuckClient(service.url);
    try {
      await waitFor(async () => (await dashboardFigures(service.url)).clients === 2, { message: 'both streams open' });
      await burst(service.url, 1000);
      await waitFor(async () => (await dashboardFigures(service.url)).dropped === 1, {
        timeoutMs: 30_000,
        intervalMs: 250,
        message: 'the stuck client to be dropped',
      });
      const atDrop = reader.samples();
      await waitFor(() => reader.samples() >= atDrop + 20, { message: 'the reading client keeps receiving' });
      assert.deepEqual(await dashboardFigures(service.url), { clients: 1, dropped: 1 });
      // Reading now finds what the kernel held, then the reset the server sent.
      assert.match(await stuck.read(), /reset|closed/i);
    } finally {
      clearInterval(watch);
      stuck.kill();
      reader.stop();
    }
    peak = Math.max(peak, (await service.usage()).peakRssBytes);
    const growth = peak - baseline;
    assert.ok(growth < 20 * MB, `RSS grew ${(growth / MB).toFixed(1)} MB (limit 20 MB)`);
  });
});
