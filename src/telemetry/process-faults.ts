import pino from 'pino';

const counts = { unhandledRejections: 0 };
let installed = false;

/**
 * Every flashsale command installs this: an unhandled rejection is a bug (a
 * promise nobody awaited failed), and Node's default would end the process —
 * a worker dying of a dropped database connection, say. It is logged with its
 * stack and counted instead (`/stats` → `unhandled_rejections`,
 * `flashsale_unhandled_rejections_total`), and the tests that run flashsale
 * as child processes fail when the count is not 0.
 */
export function installProcessFaultHandlers(): void {
  if (installed) return;
  installed = true;
  const logger = pino({ level: process.env.FLASHSALE_LOG_LEVEL || 'info', base: { service: 'flashsale' } });
  process.on('unhandledRejection', (reason) => {
    counts.unhandledRejections++;
    logger.error({ err: reason, count: counts.unhandledRejections }, 'unhandled promise rejection (a bug; counted)');
  });
}

/** Unhandled rejections seen by this process (0 unless the handler is installed; without it they end the process). */
export function unhandledRejections(): number {
  return counts.unhandledRejections;
}
