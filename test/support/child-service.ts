import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CLI } from './cli-command.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ChildService {
  process: ChildProcess;
  url: string;
  /** Everything the child wrote to stderr so far. */
  output(): string;
  /** Resolves with the exit code or signal once the child has exited. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** Runs `flashsale <args>` from the sources in a child process and waits until it listens. */
export async function startChild(
  args: string[],
  options: { port: number; timeoutMs?: number; env?: NodeJS.ProcessEnv },
) {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: root,
    env: { ...process.env, FLASHSALE_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.resume();
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`flashsale exited early (${child.exitCode}):\n${stderr}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`flashsale did not become healthy in time:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { process: child, url, output: () => stderr, exited } satisfies ChildService;
}
