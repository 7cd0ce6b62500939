import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ChildService, freePort, startChild } from '../support/child-service.js';
import { tempDir, waitFor } from '../support/service.js';

/** An IPv4 address of this machine other than loopback, if it has one. */
function outsideAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

/** Resolves with the connection's outcome: 'connected', or the error code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 5000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('flashsale serve with the default host', () => {
  let child: ChildService;
  let port: number;
  const dir = tempDir('flashsale-bind-');

  before(async () => {
    port = await freePort();
    const env = { ...process.env };
    delete env.HOST;
    child = await startChild(['serve', '--port', String(port), '--db', join(dir.dir, 'bind.db'), '--workers', '0'], {
      port,
      env,
    });
  });
  after(async () => {
    child?.process.kill('SIGTERM');
    await child?.exited;
    dir.cleanup();
  });

  test('listens on 127.0.0.1 only: /stats is not reachable from another interface', async (t) => {
    await waitFor(() => child.output().includes('listening on'), { message: 'the start-up banner' });
    assert.match(child.output(), new RegExp(`listening on http://127\\.0\\.0\\.1:${port}\\b`));
    assert.equal((await fetch(`http://127.0.0.1:${port}/stats`)).status, 200);
    const outside = outsideAddress();
    if (!outside) {
      t.skip('this machine has no interface but loopback');
      return;
    }
    assert.equal(await tryConnect(outside, port), 'ECONNREFUSED', `${outside}:${port} must refuse`);
  });
});
