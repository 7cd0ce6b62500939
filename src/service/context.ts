import pino from 'pino';
import type { Role, ServiceConfig } from '../config/config.js';
import { Backoff } from '../core/backoff.js';
import { ScaledClock } from '../core/clock.js';
import { FlashsaleError } from '../core/errors.js';
import { DependencyHealth } from '../core/health.js';
import { ReleaseStack } from './release-stack.js';

/** What every part of a process is built with. */
export interface NodeContext {
  role: Role;
  config: ServiceConfig;
  clock: ScaledClock;
  logger: pino.Logger;
  /** Up or down of each dependency as this process finds it (/stats `dependencies`, /ready). */
  health: DependencyHealth;
  /** Teardown, in reverse order of set-up. */
  releases: ReleaseStack;
}

export function nodeContext(role: Role, config: ServiceConfig): NodeContext {
  const logger = pino({ level: config.logLevel, base: { service: 'flashsale', role } });
  const clock = new ScaledClock(config.timeScale);
  return {
    role,
    config,
    clock,
    logger,
    health: new DependencyHealth({ clock, logger }),
    releases: new ReleaseStack(logger),
  };
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Whether an error says a dependency cannot be reached now (as opposed to a wrong setting or a bug). */
export function isUnreachable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  if (error instanceof FlashsaleError) return error.retryable;
  if (UNREACHABLE.has((error as { code?: string }).code ?? '')) return true;
  const nested = [error.cause, ...((error as { errors?: unknown[] }).errors ?? [])];
  return nested.some((inner) => isUnreachable(inner, depth + 1));
}

/**
 * Runs a dependency's start-up step until it succeeds. A process started
 * while its database or queue is down waits for it — the outage is logged once
 * and retried with backoff, as every loop does — rather than exiting into a
 * restart loop; an error that is not about reachability (a wrong password, a
 * missing database) still ends the start at once.
 */
export async function untilReachable(ctx: NodeContext, dependency: string, step: () => Promise<void>): Promise<void> {
  const backoff = new Backoff(ctx.config.backoff);
  for (;;) {
    try {
      await step();
      ctx.health.up(dependency);
      return;
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      ctx.health.down(dependency, error);
      await ctx.clock.sleepReal(backoff.next());
    }
  }
}
