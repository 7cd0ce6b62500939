import type { Command } from 'commander';
import { startNode } from '../service/node.js';
import { backendLines, processCommand } from './node-command.js';

export function apiCommand(): Command {
  return processCommand(
    'api',
    'run an API process: accepts orders (202) and relays their messages to the bus; run several behind a load balancer',
    `  DATABASE_URL=postgres://postgres@db:5432/flashsale flashsale api --store postgres --bus sqs --gateway-url http://pay:8090
  flashsale api --store postgres --database-url postgres://… --bus sqs --aws-endpoint http://127.0.0.1:4566 --provision`,
    (config) => startNode('api', config),
    (config) => [
      ...backendLines(config),
      `payments   ${config.gatewayUrl ?? 'in-process simulated gateway'} (sync orders only)`,
    ],
  );
}
