import { Command } from 'commander';
import { parseNumber } from '../config/parse.js';
import type { DeadLetterView, RedriveResult } from '../processor/dead-letters.js';
import {
  AdminClient,
  type AdminFlags,
  AdminUsageError,
  addAdminFlags,
  type Output,
  runAdmin,
  STDIO,
  table,
} from './admin-client.js';

/** `flashsale dlq list|show|redrive`: the dead-letter queue of a running server. */
export function dlqCommand(io: Output = STDIO): Command {
  const dlq = new Command('dlq').description('list, inspect and redrive dead-letter messages of a running server');

  addAdminFlags(
    dlq
      .command('list')
      .description('dead-letter messages, oldest first')
      .option('--limit <n>', 'most messages to list', '100'),
  ).action((flags: AdminFlags & { limit: string }) =>
    runAdmin(io, async () => {
      const limit = parseNumber(flags.limit, { integer: true, min: 1, flag: '--limit' });
      const answer = await new AdminClient(flags).request<{ queue: string; total: number; messages: DeadLetterView[] }>(
        'GET',
        `/admin/dlq?limit=${limit}`,
      );
      if (flags.json) return io.out(JSON.stringify(answer, null, 2));
      io.out(
        `${answer.total} dead letter(s) in ${answer.queue}${answer.total > answer.messages.length ? `, showing ${answer.messages.length}` : ''}`,
      );
      if (answer.messages.length === 0) return;
      const rows = answer.messages.map((m) => [
        m.id,
        m.order_id ?? '-',
        m.order_status ?? '-',
        String(m.receive_count),
        m.dead_lettered_at ?? '-',
        m.reason ?? '',
      ]);
      io.out(table(['ID', 'ORDER', 'STATUS', 'RECEIVES', 'DEAD SINCE', 'REASON'], rows));
    }),
  );

  addAdminFlags(dlq.command('show').description('one dead letter, its body and its order').argument('<id>')).action(
    (id: string, flags: AdminFlags) =>
      runAdmin(io, async () => {
        const answer = await new AdminClient(flags).request('GET', `/admin/dlq/${encodeURIComponent(id)}`);
        io.out(JSON.stringify(answer, null, 2));
      }),
  );

  addAdminFlags(
    dlq
      .command('redrive')
      .description('move dead letters back to the queue; their failed orders are paid again')
      .argument('[ids...]', 'message ids (from dlq list)')
      .option('--all', 'every dead letter'),
  ).action((ids: string[], flags: AdminFlags & { all?: boolean }) =>
    runAdmin(io, async () => {
      if (Boolean(flags.all) === ids.length > 0) throw new AdminUsageError('give message ids or --all (not both)');
      const body = flags.all ? { all: true } : { ids };
      const answer = await new AdminClient(flags).request<RedriveResult>('POST', '/admin/dlq/redrive', body);
      if (flags.json) return io.out(JSON.stringify(answer, null, 2));
      io.out(`redriven ${answer.redriven} message(s); reopened ${answer.reopened.length} failed order(s)`);
      if (answer.missing.length > 0) io.err(`not in the dead-letter queue: ${answer.missing.join(', ')}`);
    }),
  );
  return dlq;
}
