import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CLI } from './cli-command.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface FlashsaleProcess {
  name: string;
  child: ChildProcess;
  /** Base URL parsed from the start-up banner. */
  url: string;
  /** Everything the process wrote so far (banner on stderr, JSON log lines on stdout). */
  output(): string;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
  /** Unhandled promise rejections the process has counted (from /stats); must stay 0. */
  unhandledRejections(): Promise<number>;
}

/**
 * Runs `flashsale <command> <args>` from the sources in a child process (on
 * port 0 unless given) and resolves once its banner names the URL it listens on.
 */
export async function startFlashsale(
  name: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<FlashsaleProcess> {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: root,
    env: { ...process.env, FLASHSALE_LOG_LEVEL: process.env.FLASHSALE_LOG_LEVEL ?? 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start in time:\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited early (${code ?? signal}):\n${stderr}`));
    });
  });
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  const unhandledRejections = async () => {
    const response = await fetch(`${url}/stats`);
    const stats = (await response.json()) as { unhandled_rejections?: number };
    if (typeof stats.unhandled_rejections !== 'number') throw new Error(`${name}: /stats has no unhandled_rejections`);
    return stats.unhandled_rejections;
  };
  return { name, child, url, output: () => stderr + stdout, exited, stop, kill, unhandledRejections };
}
