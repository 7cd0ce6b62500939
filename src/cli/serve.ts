import { Command } from 'commander';
import type { ServiceConfig } from '../config/config.js';
import { startNode } from '../service/node.js';
import { describeResilience, installShutdown, roleConfig } from './node-command.js';
import { addServiceFlags, type ServiceFlags } from './service-flags.js';

export function serveCommand(): Command {
  const command = new Command('serve')
    .description('run API + order processor + simulated payment gateway in one process (what npm start runs)')
    .addHelpText(
      'after',
      `
Examples:
  flashsale serve                                   study defaults: 3 s payments, 1 slot, 1 worker
  flashsale serve --workers 200 --payment-slots 0   enough workers for 60 orders/s
  flashsale serve --time-scale 0.01                 the 3-second world 100× faster`,
    );
  addServiceFlags(command, 'serve').action(async (flags: ServiceFlags) => {
    const config = roleConfig('serve', flags);
    const service = await startNode('serve', config);
    printWelcome(service);
    installShutdown(service);
  });
  return command;
}

function printWelcome(service: { url: string; config: ServiceConfig }): void {
  const { url, config } = service;
  const lines = [
    `flashsale ${config.timeScale === 1 ? '' : `(time scale ${config.timeScale}) `}listening on ${url}`,
    `  database   ${config.store === 'postgres' ? 'postgres' : config.dbPath}${config.bus === 'sqs' ? ', bus sns/sqs' : ''}`,
    `  payments   ${config.payment.latencyMs} ms each, ${config.payment.slots === 0 ? 'unlimited' : config.payment.slots} slot(s); ${config.processor === 'push' ? 'push delivery (no queue workers)' : `workers ${config.workers}`}`,
    `  guards     ${describeResilience(config)}`,
    `  dashboard  ${url}/dashboard`,
    `  API docs   ${url}/docs`,
    `  stats      ${url}/stats   metrics ${url}/metrics`,
    `  try        curl -si -X POST ${url}/orders/async -H 'content-type: application/json' \\`,
    `               -d '{"customer_id":1234,"items":[{"product_id":"FLASH-001","quantity":1,"price":29.99}]}'`,
  ];
  if (config.processor === 'queue' && config.payment.slots !== 0 && config.workers > config.payment.slots) {
    lines.push(
      `  note       ${config.workers} workers share ${config.payment.slots} payment slot(s); raise --payment-slots to pay faster`,
    );
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}
