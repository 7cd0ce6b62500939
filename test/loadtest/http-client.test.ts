/**
 * The generator's raw HTTP/1.1 client against real servers: keep-alive reuse,
 * every way a response can be framed, and every way a connection can fail.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { test } from 'node:test';
import {
  createRequester,
  type HttpRequesterOptions,
  type HttpRequestSpec,
  type SettledRequest,
} from '../../src/loadtest/http-client.js';
import { ResponseParser } from '../../src/loadtest/http1-parser.js';
import { UndiciRequester } from '../../src/loadtest/undici-client.js';

type Outcome = Pick<SettledRequest, 'kind' | 'status' | 'statusText' | 'bytes' | 'code'> & { body?: string };

async function withHttp(listener: RequestListener, fn: (url: string, connections: () => number) => Promise<void>) {
  const server = createHttpServer(listener);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as { port: number }).port}`, () => connections);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function withTcp(onSocket: (socket: Socket) => void, fn: (url: string) => Promise<void>) {
  const server = createTcpServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Sends the specs one after another, as a closed-loop user of one does. */
async function send(url: string, specs: HttpRequestSpec[], client: 'raw' | 'undici' = 'raw'): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let resolveAll: () => void;
  const done = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  const options: HttpRequesterOptions = {
    timeoutMs: 2000,
    connections: 1,
    keepBody: true,
    onSettled: (r) => {
      outcomes.push({
        kind: r.kind,
        status: r.status,
        statusText: r.statusText,
        bytes: r.bytes,
        code: r.code,
        ...(r.body ? { body: r.body.toString() } : {}),
      });
      if (outcomes.length === specs.length) resolveAll();
      else r.then?.();
    },
  };
  const requester = client === 'raw' ? createRequester(url, options) : new UndiciRequester(url, options);
  let i = 0;
  const next = (): void => requester.send(specs[i++]!, undefined, next);
  next();
  await done;
  await requester.close();
  return outcomes;
}

const get = (path = '/'): HttpRequestSpec => ({ method: 'GET', path, body: undefined });

test('keep-alive: many requests over one connection, with the request as sent', async () => {
  const seen: string[] = [];
  await withHttp(
    (req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? '-'} ${body}`);
        res.writeHead(201, 'Made It', { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    },
    async (url, connections) => {
      const specs = [get('/a'), { method: 'POST' as const, path: '/b?x=1', body: '{"n":"é"}' }, get('/c')];
      const outcomes = await send(url, [...specs, ...specs]);
      assert.equal(connections(), 1);
      assert.deepEqual(outcomes[1], {
        kind: 'response',
        status: 201,
        statusText: 'Made It',
        bytes: 11,
        code: '',
        body: '{"ok":true}',
      });
      assert.deepEqual(seen.slice(0, 3), ['GET /a - ', 'POST /b?x=1 application/json {"n":"é"}', 'GET /c - ']);
    },
  );
});

test('chunked, empty and large bodies; HEAD; Connection: close', async () => {
  const big = 'x'.repeat(1_000_000);
  await withHttp(
    (req, res) => {
      if (req.url === '/chunked') {
        res.write('hello ');
        setTimeout(() => res.end('world'), 5);
      } else if (req.url === '/empty') {
        res.writeHead(204).end();
      } else if (req.url === '/big') {
        res.end(big);
      } else if (req.url === '/close') {
        res.setHeader('connection', 'close');
        res.end('bye');
      } else res.end('head me');
    },
    async (url, connections) => {
      const outcomes = await send(url, [
        get('/chunked'),
        get('/empty'),
        get('/big'),
        { method: 'HEAD', path: '/h', body: undefined },
        get('/close'),
        get('/chunked'),
      ]);
      assert.deepEqual(
        outcomes.map((o) => [o.kind, o.status, o.body?.length ?? 0]),
        [
          ['response', 200, 11],
          ['response', 204, 0],
          ['response', 200, 1_000_000],
          ['response', 200, 0],
          ['response', 200, 3],
          ['response', 200, 11],
        ],
      );
      assert.equal(outcomes[0]!.body, 'hello world');
      assert.equal(connections(), 2, 'a new connection after Connection: close');
    },
  );
});

test('a body delimited by the close, and a 100 Continue before the answer', async () => {
  await withTcp(
    (socket) => {
      socket.once('data', (data) => {
        if (data.toString().startsWith('GET /until-close')) {
          socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this');
        } else {
          socket.write('HTTP/1.1 100 Continue\r\n\r\n');
          socket.end('HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
        }
      });
    },
    async (url) => {
      const outcomes = await send(url, [get('/until-close'), get('/continue')]);
      assert.deepEqual(
        outcomes.map((o) => [o.kind, o.status, o.body]),
        [
          ['response', 200, 'all of this'],
          ['response', 202, 'ok'],
        ],
      );
    },
  );
});

test('connection failures: reset mid-response, garbage, refused', async () => {
  await withTcp(
    (socket) => {
      socket.once('data', (data) => {
        if (data.toString().startsWith('GET /cut')) {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
          setTimeout(() => socket.resetAndDestroy(), 5);
        } else socket.end('SSH-2.0-OpenSSH\r\n\r\n');
      });
    },
    async (url) => {
      const outcomes = await send(url, [get('/cut'), get('/garbage')]);
      assert.deepEqual(
        outcomes.map((o) => [o.kind, o.code]),
        [
          ['connection', 'ECONNRESET'],
          ['connection', 'HPE_INVALID_RESPONSE'],
        ],
      );
    },
  );
  const closed = createTcpServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as { port: number }).port;
  await new Promise((resolve) => closed.close(resolve));
  const [refused] = await send(`http://127.0.0.1:${port}`, [get()]);
  assert.deepEqual([refused!.kind, refused!.code], ['connection', 'ECONNREFUSED']);
});

test('a timeout drops its connection, and requests waiting for one go on', async () => {
  await withHttp(
    (req, res) => {
      if (req.url === '/hang') return; // never answers
      res.end('fine');
    },
    async (url, connections) => {
      const outcomes: [string, string, number][] = [];
      const requester = createRequester(url, {
        timeoutMs: 100,
        connections: 1,
        keepBody: true,
        onSettled: (r) => outcomes.push([r.kind, r.body?.toString() ?? '', Math.round(r.endedAt - r.sentAt)]),
      });
      requester.send(get('/hang'), undefined);
      await new Promise((resolve) => setTimeout(resolve, 40));
      // These wait for the one connection; their own 100 ms started when they were sent.
      requester.send(get('/ok'), undefined);
      requester.send(get('/ok'), undefined);
      assert.equal(requester.inFlight, 3);
      while (outcomes.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
      await requester.close();
      assert.deepEqual(
        outcomes.map(([kind, body]) => [kind, body]),
        [
          ['timeout', ''],
          ['response', 'fine'],
          ['response', 'fine'],
        ],
      );
      assert.ok(outcomes[0]![2] >= 100 && outcomes[0]![2] < 150, `timed out after ${outcomes[0]![2]} ms`);
      assert.ok(outcomes[1]![2] >= 55, 'the second request waited for the connection');
      assert.equal(connections(), 2, 'the timed-out connection was replaced');
    },
  );
});

test('the parser frames responses fed one byte at a time', () => {
  const wire = Buffer.from(
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Other: 1\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: t\r\n\r\n',
  );
  const body: Buffer[] = [];
  let status = 0;
  let ended = 0;
  const parser = new ResponseParser({
    onHead: (s) => {
      status = s;
    },
    onBody: (c) => body.push(Buffer.from(c)),
    onEnd: () => ended++,
  });
  parser.expect();
  for (let i = 0; i < wire.length; i++) assert.equal(parser.execute(wire.subarray(i, i + 1)), undefined);
  assert.equal(status, 200);
  assert.equal(Buffer.concat(body).toString(), 'Wikipedia');
  assert.equal(ended, 1);
  assert.ok(parser.keepAlive);

  parser.expect();
  assert.match(parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')) ?? '', /Content-Length/);
  parser.expect();
  parser.execute(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'));
  assert.equal(parser.keepAlive, false, 'HTTP/1.0 closes unless asked to keep alive');
});

test('the undici requester (https targets) reports the same outcomes', async () => {
  await withHttp(
    (req, res) => {
      if (req.url === '/fail') res.writeHead(503, 'Busy').end('{}');
      else res.end('ok');
    },
    async (url, connections) => {
      const raw = await send(url, [get('/a'), get('/fail'), get('/b')], 'raw');
      const undici = await send(url, [get('/a'), get('/fail'), get('/b')], 'undici');
      assert.deepEqual(undici, raw);
      assert.equal(connections(), 2, 'one keep-alive connection each');
    },
  );
});
