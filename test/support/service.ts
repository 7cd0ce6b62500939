import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigOverrides } from '../../src/config/config.js';
import { type RunningService, type ServiceExtras, startService } from '../../src/service/service.js';

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'flashsale-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestService extends RunningService {
  dir: string;
  /** Closes the service and deletes its files. */
  stop(): Promise<void>;
}

/** Starts the embedded service on 127.0.0.1, a free port and a SQLite file in a temp dir. */
export async function startTestService(
  overrides: ConfigOverrides = {},
  extras: ServiceExtras = {},
): Promise<TestService> {
  const { dir, cleanup } = tempDir();
  const service = await startService(
    {
      host: '127.0.0.1',
      port: 0,
      dbPath: join(dir, 'flashsale.db'),
      logLevel: process.env.FLASHSALE_LOG_LEVEL ?? 'silent',
      shutdownGraceMs: 2000,
      ...overrides,
    },
    extras,
  );
  return {
    ...service,
    dir,
    stop: async () => {
      await service.close();
      cleanup();
    },
  };
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const interval = options.intervalMs ?? 10;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out: ${options.message ?? 'condition not met'}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
