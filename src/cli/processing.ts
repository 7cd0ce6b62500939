import { Command } from 'commander';
import { AdminClient, type AdminFlags, addAdminFlags, type Output, runAdmin, STDIO } from './admin-client.js';

/** `flashsale processing pause|resume`: stop and restart taking messages on a running server. */
export function processingCommand(io: Output = STDIO): Command {
  const processing = new Command('processing').description('pause or resume the order processor of a running server');
  for (const action of ['pause', 'resume'] as const) {
    addAdminFlags(
      processing
        .command(action)
        .description(action === 'pause' ? 'take no more messages; in-flight ones finish' : 'take messages again'),
    ).action((flags: AdminFlags) =>
      runAdmin(io, async () => {
        const answer = await new AdminClient(flags).request<{
          workers?: { busy: number };
          processing?: { held_by_breaker: string | null };
        }>('POST', `/admin/processing/${action}`);
        if (flags.json) return io.out(JSON.stringify(answer, null, 2));
        const held = answer.processing?.held_by_breaker;
        if (action === 'pause') io.out(`processing paused (${answer.workers?.busy ?? 0} message(s) still finishing)`);
        else if (held)
          io.out(`resumed; the circuit breaker (${held}) holds processing until the payment provider recovers`);
        else io.out('processing resumed');
      }),
    );
  }
  return processing;
}
