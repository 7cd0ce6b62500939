export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a truthy value; rejects once the deadline passes. */
export async function waitUntil<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs: number; intervalMs?: number; message?: string },
): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out: ${options.message ?? 'condition not met'}`);
    await sleep(options.intervalMs ?? 100);
  }
}
