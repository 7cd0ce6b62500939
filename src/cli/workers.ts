import { Command } from 'commander';
import { parseBoolean, parseNumber } from '../config/parse.js';
import { AdminClient, type AdminFlags, addAdminFlags, type Output, runAdmin, STDIO } from './admin-client.js';

interface ProcessingAnswer {
  workers?: { target: number; busy: number; paused: boolean };
  autoscaler: { enabled: boolean };
}

/** `flashsale workers set N | autoscale on|off`: the worker pool of a running server. */
export function workersCommand(io: Output = STDIO): Command {
  const workers = new Command('workers').description(
    'set the worker count of a running server, or hand it to the autoscaler',
  );

  addAdminFlags(
    workers
      .command('set')
      .description('set the number of concurrent workers (turns the autoscaler off)')
      .argument('<count>', 'workers, 0 or more'),
  ).action((raw: string, flags: AdminFlags) =>
    runAdmin(io, async () => {
      const count = parseNumber(raw, { integer: true, min: 0, flag: 'the worker count' });
      const answer = await new AdminClient(flags).request<ProcessingAnswer>('PUT', '/admin/workers', { count });
      if (flags.json) return io.out(JSON.stringify(answer, null, 2));
      io.out(`workers set to ${answer.workers?.target ?? count} (${answer.workers?.busy ?? 0} busy)`);
    }),
  );

  addAdminFlags(
    workers.command('autoscale').description('turn the queue-depth autoscaler on or off').argument('<on|off>'),
  ).action((state: string, flags: AdminFlags) =>
    runAdmin(io, async () => {
      const enabled = parseBoolean(state, { flag: 'autoscale' });
      const answer = await new AdminClient(flags).request<{ autoscaler: { enabled: boolean } }>(
        'PUT',
        '/admin/autoscaler',
        { enabled },
      );
      if (flags.json) return io.out(JSON.stringify(answer, null, 2));
      io.out(`autoscaler ${answer.autoscaler.enabled ? 'on' : 'off'}`);
    }),
  );
  return workers;
}
