import type { ServiceConfig } from '../config/config.js';
import type { MessageBus, QueueDepth } from '../core/ports.js';
import type { SyncRecovery } from '../core/sync-recovery.js';
import type { OutboxRelay } from '../outbox/outbox-relay.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { Storage } from './storage.js';

/**
 * The /stats sections every order node shows. The queue's depth is a section
 * rather than a figure read from the bus directly, so /stats keeps answering —
 * with the last depth seen, marked unavailable — while the bus is down.
 */
export function addNodeSections(
  telemetry: Telemetry,
  parts: { config: ServiceConfig; bus: MessageBus; storage: Storage; relay?: OutboxRelay; recovery: SyncRecovery },
): void {
  const { config, bus, storage, relay, recovery } = parts;
  const queue = config.queue.name;
  let last: QueueDepth = { visible: 0, inFlight: 0, deadLetters: 0 };
  telemetry.addSection('queue', async () => {
    let unavailable: string | undefined;
    try {
      last = await bus.depth(queue);
    } catch (error) {
      unavailable = error instanceof Error ? error.message : String(error);
    }
    return {
      name: queue,
      visible: last.visible,
      in_flight: last.inFlight,
      dead_letters: last.deadLetters,
      ...(unavailable !== undefined ? { unavailable } : {}),
    };
  });
  const { outbox } = storage;
  if (relay && outbox) {
    telemetry.addSection('outbox', async () => {
      const counts = await outbox.counts();
      const relayed = relay.stats();
      return {
        pending: counts.pending,
        sent: counts.sent,
        published: relayed.published,
        batches: relayed.batches,
        failures: relayed.failures,
        last_published_at: relayed.lastPublishedAt,
      };
    });
  }
  telemetry.addSection('sync_recovery', () => recovery.stats());
  const { sqlite } = storage;
  // Group commit at work: how many writes shared each durable commit.
  if (sqlite) telemetry.addSection('storage', () => ({ commits: sqlite.writer.batches, writes: sqlite.writer.writes }));
}
