/** Runs `flashsale <args>` from the sources as a user would, without a FLASHSALE_URL from the environment. */
import { execFile } from 'node:child_process';
import { CLI } from '../../support/cli-command.js';

const root = new URL('../../..', import.meta.url).pathname;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function flashsale(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CLI, ...args],
      { cwd: root, env: { ...process.env, FLASHSALE_URL: '' } },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}
