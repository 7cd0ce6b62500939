/**
 * Live progress for the terminal: one line rewritten in place on a TTY, plain
 * periodic lines otherwise (CI logs, pipes).
 */
import { formatMs, formatNumber, formatRate } from './format.js';
import type { ProgressSnapshot } from './runner.js';

export function progressLine(p: ProgressSnapshot): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  const parts = [
    p.phase === 'running' ? `${seconds(Math.min(p.elapsedMs, p.runTimeMs))}/${seconds(p.runTimeMs)}` : p.phase,
    `users ${p.users}`,
    `reqs ${formatNumber(p.requests)}`,
    `fails ${formatNumber(p.failures)}${p.requests ? ` (${((100 * p.failures) / p.requests).toFixed(1)}%)` : ''}`,
    `${formatRate(p.current.rps)} req/s`,
    `p50 ${formatMs(p.current.p50Ms)}ms p95 ${formatMs(p.current.p95Ms)}ms`,
  ];
  if (p.server?.queueVisible !== undefined) parts.push(`queue ${formatNumber(p.server.queueVisible)}`);
  return `${p.label} ${parts.join(' · ')}`;
}

export interface ProgressPrinter {
  /** Wall ms between snapshots the printer wants. */
  intervalMs: number;
  update(snapshot: ProgressSnapshot): void;
  /** Clears the live line before the summary is printed. */
  done(): void;
}

export function progressPrinter(stream: NodeJS.WriteStream, mode: 'auto' | 'tty' | 'plain' | 'off'): ProgressPrinter {
  const tty = mode === 'tty' || (mode === 'auto' && stream.isTTY === true);
  if (mode === 'off') return { intervalMs: 60_000, update: () => {}, done: () => {} };
  if (!tty) {
    return { intervalMs: 5000, update: (p) => stream.write(`${progressLine(p)}\n`), done: () => {} };
  }
  let shown = false;
  return {
    intervalMs: 250,
    update(p) {
      const width = stream.columns || 120;
      stream.write(`\r\x1b[2K${progressLine(p).slice(0, width - 1)}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}
