import type { Command } from 'commander';
import { startNode } from '../service/node.js';
import { processCommand, redact } from './node-command.js';

export function gatewayCommand(): Command {
  return processCommand(
    'gateway',
    'run the simulated payment gateway over HTTP, so every worker shares its slots and its ledger',
    `  flashsale gateway                                  3 s payments, 1 slot, ledger in ./data/gateway.db
  flashsale gateway --payment-slots 200 --store postgres --database-url postgres://…`,
    (config) => startNode('gateway', config),
    (config) => [
      `payments   ${config.payment.latencyMs} ms each, ${config.payment.slots === 0 ? 'unlimited' : config.payment.slots} slot(s)`,
      `ledger     ${config.store === 'postgres' ? `postgres ${redact(config.databaseUrl ?? '')}` : `sqlite ${config.dbPath}`}`,
    ],
    // The gateway has no bus; a postgres ledger must not be refused for lack of one.
    { bus: 'sqs' },
  );
}
