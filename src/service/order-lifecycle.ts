import type { ServiceConfig } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import type { DependencyHealth } from '../core/health.js';
import type { Notifier } from '../core/notifier.js';
import type { Logger, OrderStore } from '../core/ports.js';
import { QueueEstimate } from '../core/queue-estimate.js';
import { QueueTracker, type QueueView } from '../core/queue-position.js';
import { trackQueue } from '../core/queue-tracking-store.js';
import { ReservationSweeper } from '../core/reservation-sweeper.js';
import { loopBackoff } from './options.js';

export type { ReservationSweeper };

/** Pending orders read at start into the exact queue; beyond them, positions are estimates. */
const SEED_LIMIT = 100_000;

/**
 * The queue position a node shows, and the store its parts then use. The
 * embedded serve is its file's only user and runs the API and the workers in
 * one process: it sees every order enter and leave the queue, so its
 * positions are exact (its parts write through trackQueue's store). Any
 * other order-taking role shows an estimate; a worker shows none.
 */
export async function queueView(
  ctx: { role: 'serve' | 'api' | 'worker'; config: ServiceConfig; clock: Clock },
  store: OrderStore,
): Promise<{ store: OrderStore; queue?: QueueView }> {
  const { role, config, clock } = ctx;
  if (role === 'worker') return { store };
  const estimate = new QueueEstimate({ clock, counts: () => store.countByStatus() });
  if (role !== 'serve' || config.bus !== 'embedded') return { store, queue: estimate };
  const tracker = new QueueTracker({ clock }, { fallback: estimate });
  // Orders a previous run left pending keep their place, oldest first.
  tracker.seed(await store.pendingSince({ createdBefore: '9999-12-31T23:59:59.999Z', limit: SEED_LIMIT }));
  return { store: trackQueue(store, tracker), queue: tracker };
}

/** The expiry of holds, on the roles that pay orders, when `--reservation-timeout` is set. */
export function reservationSweeper(
  ctx: {
    role: 'serve' | 'api' | 'worker';
    config: ServiceConfig;
    clock: Clock;
    logger: Logger;
    health: DependencyHealth;
  },
  deps: { store: OrderStore; notifier: Notifier },
): ReservationSweeper | undefined {
  const { role, config, clock, logger, health } = ctx;
  const timeoutMs = config.catalog.reservationTimeoutMs;
  if (role === 'api' || timeoutMs === undefined) return undefined;
  return new ReservationSweeper({ ...deps, clock, logger, health }, { timeoutMs, backoff: loopBackoff(config) });
}
