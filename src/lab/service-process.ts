import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChildReply, ChildRequest, ChildSetup, UsageReading } from './protocol.js';

export interface ServiceProcessOptions {
  /** Real ms to wait for the child to be ready (warm-up included). Default 60000. */
  startTimeoutMs?: number;
  /** Real ms to wait for a graceful close before killing the child. Default 15000. */
  closeTimeoutMs?: number;
  /** File that receives the child's stderr (its logs and warnings). Default: the lab's own stderr. */
  logFile?: string;
}

type Pending = { resolve: (reply: ChildReply) => void; reject: (error: Error) => void };

/**
 * The child's script, src/service/lab-child: the compiled .js beside this
 * file's folder, or the .ts source under tsx. Forked by path, not imported —
 * the load lab is a client of the service and imports none of it.
 */
function childScript(): { path: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) {
    return {
      path: self.replace(/lab[/\\]service-process\.ts$/, 'service/lab-child.ts'),
      execArgv: ['--import', import.meta.resolve('tsx')],
    };
  }
  return { path: self.replace(/lab[/\\]service-process\.js$/, 'service/lab-child.js'), execArgv: [] };
}

/** One embedded flashsale running in a child process, driven over IPC. */
export class ServiceProcess {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly pid: number,
    private readonly opts: { startTimeoutMs: number; closeTimeoutMs: number },
  ) {
    child.on('message', (reply: ChildReply) => {
      if (!('id' in reply)) return;
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.type === 'error') waiter?.reject(new Error(reply.message));
      else waiter?.resolve(reply);
    });
    this.exit = new Promise((resolve) => {
      child.on('exit', () => {
        this.exited = true;
        for (const waiter of this.pending.values()) waiter.reject(new Error('the flashsale process exited'));
        this.pending.clear();
        resolve();
      });
    });
  }

  static async start(setup: ChildSetup, options: ServiceProcessOptions = {}): Promise<ServiceProcess> {
    const opts = { startTimeoutMs: options.startTimeoutMs ?? 60_000, closeTimeoutMs: options.closeTimeoutMs ?? 15_000 };
    const script = childScript();
    const log = options.logFile ? openSync(options.logFile, 'a') : undefined;
    const child = fork(script.path, [], {
      execArgv: script.execArgv,
      env: { ...process.env, FLASHSALE_LAB_CHILD: JSON.stringify(setup) },
      stdio: ['ignore', 'ignore', log ?? 'inherit', 'ipc'],
    });
    // The child holds its own copy of the descriptor.
    if (log !== undefined) closeSync(log);
    const ready = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`flashsale process not ready after ${opts.startTimeoutMs} ms`));
      }, opts.startTimeoutMs);
      const onMessage = (reply: ChildReply) => {
        if (reply.type === 'ready') {
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve({ url: reply.url, pid: reply.pid });
        } else if (reply.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`flashsale process failed to start: ${reply.message}`));
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`flashsale process exited during start (code ${code})`));
      });
    });
    return new ServiceProcess(child, ready.url, ready.pid, opts);
  }

  private request(message: Omit<ChildRequest, 'id'>): Promise<ChildReply> {
    if (this.exited) return Promise.reject(new Error('the flashsale process has exited'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...message, id } as ChildRequest);
    });
  }

  /** CPU time used so far and memory now and at its peak since the previous reading. */
  async usage(): Promise<UsageReading> {
    const reply = await this.request({ type: 'usage' });
    if (reply.type !== 'usage') throw new Error(`unexpected reply ${reply.type}`);
    const { type: _type, id: _id, ...reading } = reply;
    return reading;
  }

  async setWorkers(count: number): Promise<void> {
    await this.request({ type: 'workers', count } as Omit<ChildRequest, 'id'>);
  }

  /**
   * Ends the child at once, dropping whatever it still holds: the study's
   * deployment leaves a line of abandoned payments that would keep a graceful
   * close busy for a minute, paying for nobody, on a database thrown away next.
   */
  async kill(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGKILL');
    await this.exit;
  }

  /** Graceful close; kills the child if it does not finish in time. */
  async close(): Promise<void> {
    if (this.exited) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), this.opts.closeTimeoutMs);
    await this.request({ type: 'close' }).catch(() => undefined);
    await this.exit;
    clearTimeout(timer);
  }
}
