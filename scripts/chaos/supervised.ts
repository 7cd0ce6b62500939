import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FlashsaleProcess, startFlashsale } from '../../test/support/flashsale-process.js';

/** A process that exited without the harness asking it to. */
export interface Death {
  name: string;
  /** Wall ms of the exit. */
  at: number;
  /** Exit code, or the signal that ended it. */
  exit: number | string;
  /** The last lines it wrote (the stack of an unhandled rejection, say). */
  tail: string;
}

export interface SupervisedOptions {
  /** Arguments after `flashsale`, the fixed --port included (a restart must come back where clients look). */
  args: string[];
  env: Record<string, string>;
  /** Where each run's output is written, as NAME.N.log. */
  logDir: string;
  /** Real ms before a process that died is started again. */
  restartDelayMs: number;
  /** Called with every unexpected exit. */
  onDeath(death: Death): void;
}

/**
 * One flashsale process under a supervisor: the harness may kill it (and
 * start it again) on purpose; any other exit is a death, recorded and
 * followed by a restart after a pause, as systemd or ECS would do. Its
 * `/stats` are sampled so that the count of unhandled rejections survives
 * the process.
 */
export class Supervised {
  private current?: FlashsaleProcess;
  private incarnation = 0;
  private intended = false;
  private stopped = false;
  private restarting?: Promise<void>;
  /** unhandled_rejections last seen per incarnation; undefined while /stats has not shown the key. */
  private readonly rejections = new Map<number, number>();
  private sampler?: NodeJS.Timeout;

  constructor(
    readonly name: string,
    readonly url: string,
    private readonly options: SupervisedOptions,
  ) {}

  get running(): boolean {
    const child = this.current?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** The pid of the current run, to tell a restart apart. */
  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  /** Sum over every run of the process; undefined while no run has exposed the counter. */
  get unhandledRejections(): number | undefined {
    if (this.rejections.size === 0) return undefined;
    let total = 0;
    for (const n of this.rejections.values()) total += n;
    return total;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const incarnation = ++this.incarnation;
    const proc = await startFlashsale(this.name, this.options.args, { env: this.options.env, timeoutMs: 60_000 });
    this.current = proc;
    this.intended = false;
    proc.child.once('exit', (code, signal) => {
      this.saveLog(proc, incarnation);
      if (this.intended || this.stopped || this.current !== proc) return;
      this.options.onDeath({
        name: this.name,
        at: Date.now(),
        exit: code ?? signal ?? 'unknown',
        tail: lastWords(proc.output()),
      });
      this.restarting = this.restartAfterDeath();
    });
    this.sampler ??= setInterval(() => void this.sample(), 500);
  }

  /** SIGKILL, as the harness's fault; the process stays down until `start()`. */
  async kill(): Promise<void> {
    await this.sample();
    this.intended = true;
    await this.current?.kill();
  }

  /** Graceful stop at the end of the run. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
    await this.restarting?.catch(() => undefined);
    await this.sample();
    await this.current?.stop(5000);
  }

  /** Resolves once a restart after a death (if any) is done. */
  async settled(): Promise<void> {
    await this.restarting;
  }

  /** Reads /stats once; a process that does not answer keeps its last figure. */
  async sample(): Promise<void> {
    if (!this.running) return;
    const incarnation = this.incarnation;
    try {
      const response = await fetch(`${this.url}/stats`, { signal: AbortSignal.timeout(2000) });
      if (!response.ok) return;
      const body = (await response.json()) as { unhandled_rejections?: unknown };
      if (typeof body.unhandled_rejections === 'number') this.rejections.set(incarnation, body.unhandled_rejections);
    } catch {
      // Down or busy: the next sample tries again.
    }
  }

  /** Kills whatever still runs, synchronously (the harness itself is exiting). */
  killNow(): void {
    this.stopped = true;
    if (this.sampler) clearInterval(this.sampler);
    if (this.running) this.current?.child.kill('SIGKILL');
  }

  private async restartAfterDeath(): Promise<void> {
    // A process that cannot start (its database is still down) is tried again, as a supervisor would.
    for (let attempt = 0; !this.stopped; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, this.options.restartDelayMs * Math.min(2 ** attempt, 8)));
      if (this.stopped) return;
      try {
        await this.start();
        return;
      } catch (error) {
        this.options.onDeath({
          name: this.name,
          at: Date.now(),
          exit: 'failed to start',
          tail: lastWords((error as Error).message),
        });
      }
    }
  }

  private saveLog(proc: FlashsaleProcess, incarnation: number): void {
    try {
      appendFileSync(join(this.options.logDir, `${this.name}.${incarnation}.log`), proc.output());
    } catch {
      // Logs are a convenience; the run's figures do not depend on them.
    }
  }
}

/**
 * What a process printed as it died: from the source line Node shows above
 * an uncaught error (marked by a caret) through the top of its stack, or
 * else its last lines.
 */
export function lastWords(output: string): string {
  const lines = output.trimEnd().split('\n');
  let caret = -1;
  lines.forEach((line, i) => {
    if (/^\s*\^+\s*$/.test(line)) caret = i;
  });
  const from = caret >= 0 ? Math.max(0, caret - 2) : Math.max(0, lines.length - 15);
  return lines
    .slice(from, from + 16)
    .filter((line) => line.trim() !== '')
    .join('\n');
}

/** A death in one line: the error and the top of its stack, without the source line Node quotes. */
export function deathInOneLine(death: Death): string {
  const lines = death.tail.split('\n');
  const caret = lines.findIndex((line) => /^\s*\^+\s*$/.test(line));
  const stack = lines.slice(caret + 1, caret + 6).map((line) => line.trim());
  return `${death.name} exited (${death.exit}): ${stack.join(' ⏎ ')}`;
}
