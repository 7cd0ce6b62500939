import type { FlashsaleProcess } from '../support/flashsale-process.js';
import { getJson } from '../support/orders.js';
import { waitFor } from '../support/service.js';

/**
 * Payments last far longer than the grace period: a stop always finds them
 * under way, so it must let them end (and be recorded) after the grace,
 * having released their messages, before it closes anything they write to.
 */
export const PAYMENT = ['--payment-latency', '2s'];
export const GRACE = ['--shutdown-grace', '200ms'];
/** Warnings and errors only: the lines a write after close would leave. */
export const LOGS = ['--log-level', 'warn'];

/** What a write to a closed store looks like in the log, whichever the store and the driver. */
const CLOSED_STORE =
  /not open|file closed|database is closed|closed database|after calling end|cannot use a pool|store is unavailable|connection terminated/i;

/** Log lines that tell of a write after close, or of any error (level 50+). */
export function closedStoreLines(output: string): string[] {
  return output.split('\n').filter((line) => {
    if (CLOSED_STORE.test(line)) return true;
    try {
      return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
    } catch {
      return false;
    }
  });
}

/** Sends SIGTERM and resolves with the exit code once the process has exited (SIGKILL after `killAfterMs`). */
export async function terminate(running: FlashsaleProcess, killAfterMs = 20_000): Promise<number | null> {
  await running.stop(killAfterMs);
  return running.child.exitCode;
}

/** Waits until the process's gateway (in-process or remote) has `count` payments under way. */
export async function paymentsUnderWay(url: string, count: number): Promise<void> {
  await waitFor(
    async () => {
      const { body } = await getJson<{ payments: { in_flight: number } }>(`${url}/stats`);
      return body.payments.in_flight >= count;
    },
    { timeoutMs: 15_000, intervalMs: 25, message: `${count} payments under way at ${url}` },
  );
}
