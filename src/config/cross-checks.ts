/** Rules between settings, checked once every layer is merged. */
import type { ServiceConfig } from './service-config.js';
import { settingAt, settingError } from './settings.js';

export function crossCheck(config: ServiceConfig): void {
  if (config.store === 'postgres' && !config.databaseUrl) {
    throw settingError(
      settingAt('databaseUrl'),
      'must be set (postgres://user@host:5432/db) when the store is postgres',
      {
        setting: 'DATABASE_URL',
      },
    );
  }
  if (config.store === 'postgres' && config.bus === 'embedded') {
    throw settingError(settingAt('bus'), 'the embedded bus lives in the SQLite file; with store postgres use bus sqs');
  }
  const { minWorkers, maxWorkers } = config.autoscale;
  if (maxWorkers < minWorkers) {
    throw settingError(
      settingAt('autoscale.maxWorkers'),
      `must be ≥ autoscale.minWorkers (${minWorkers}), got ${maxWorkers}`,
    );
  }
  // Push delivery counts its attempts on the queue's receive count.
  if (config.processor === 'push' && config.push.retries >= config.queue.maxReceiveCount) {
    throw settingError(
      settingAt('push.retries'),
      `must be below queue.maxReceiveCount (${config.queue.maxReceiveCount}), which dead-letters a message after that many deliveries`,
    );
  }
}
