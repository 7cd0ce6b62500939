import type { Command } from 'commander';
import { startNode } from '../service/node.js';
import { backendLines, processCommand } from './node-command.js';

export function workerCommand(): Command {
  return processCommand(
    'worker',
    'run a worker process: takes orders from the queue and pays them through the gateway; run as many as needed',
    `  flashsale worker --store postgres --bus sqs --workers 50 --gateway-url http://pay:8090
  flashsale worker --port 0 --workers 10 …          serves /health, /stats and /metrics on a free port`,
    (config) => startNode('worker', config),
    (config) => [
      ...backendLines(config),
      `payments   ${config.gatewayUrl ?? 'in-process simulated gateway (slots not shared with other workers)'}`,
      `workers    ${config.workers}`,
    ],
  );
}
