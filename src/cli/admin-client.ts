import { type Command, Option } from 'commander';
import { ParseError } from '../config/parse.js';

/** Where a command writes; tests pass their own. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const STDIO: Output = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** A failure worth one clear line to the operator (exit code 1). */
export class AdminError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminError';
  }
}

/** The command line itself is wrong — nothing was sent (exit code 2, like every usage error). */
export class AdminUsageError extends AdminError {
  constructor(message: string) {
    super(message);
    this.name = 'AdminUsageError';
  }
}

export interface AdminFlags {
  url: string;
  token?: string;
  json?: boolean;
}

/** --url, --token and --json, shared by the commands that talk to a running server. */
export function addAdminFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--url <url>', 'base URL of the running server [env FLASHSALE_URL]').default(
        process.env.FLASHSALE_URL ?? 'http://127.0.0.1:8080',
      ),
    )
    .addOption(new Option('--token <token>', 'admin bearer token [env FLASHSALE_ADMIN_TOKEN]'))
    .addOption(new Option('--json', 'print the server’s JSON answer'));
}

/** The admin API of a running flashsale server, with errors an operator can act on. */
export class AdminClient {
  private readonly url: string;
  private readonly token: string | undefined;

  /** `public`: the calls read public routes, so a missing token is no error (one given is still sent). */
  constructor(flags: AdminFlags, env: NodeJS.ProcessEnv = process.env, options: { public?: boolean } = {}) {
    const token = flags.token ?? env.FLASHSALE_ADMIN_TOKEN;
    if (!token && !options.public)
      throw new AdminUsageError('no admin token: pass --token or set FLASHSALE_ADMIN_TOKEN');
    if (!/^https?:\/\//.test(flags.url))
      throw new AdminUsageError(`--url must start with http:// or https://, got "${flags.url}"`);
    this.url = flags.url.replace(/\/+$/, '');
    this.token = token;
  }

  /** The answer's JSON; `status` hears the HTTP status of a success (201 created, 200 replaced…). */
  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    status?: (code: number) => void,
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new AdminError(`cannot reach the server at ${this.url} (${why}); is it running? (--url)`);
    }
    const text = await response.text();
    let answer: Record<string, unknown> = {};
    try {
      answer = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new AdminError(`${this.url} answered ${response.status} with something other than JSON; is it flashsale?`);
    }
    if (response.ok) {
      status?.(response.status);
      return answer as T;
    }
    if (response.status === 401) {
      throw new AdminError(`the server refused the admin token (401): check --token or FLASHSALE_ADMIN_TOKEN`);
    }
    if (answer.error === 'admin_disabled') {
      throw new AdminError(`the admin API is disabled on ${this.url}: start the server with FLASHSALE_ADMIN_TOKEN set`);
    }
    throw new AdminError(`the server answered ${response.status}: ${String(answer.message ?? text)}`);
  }
}

/** Rows under a header, in columns as wide as their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * Runs an admin action, turning a failure into one line on stderr: exit code 2
 * when the command line is wrong (an unreadable argument, a missing token),
 * 1 when the server or the network said no.
 */
export async function runAdmin(io: Output, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof AdminError || error instanceof ParseError)) throw error;
    io.err(`flashsale: ${error.message}`);
    process.exitCode = error instanceof AdminUsageError || error instanceof ParseError ? 2 : 1;
  }
}
