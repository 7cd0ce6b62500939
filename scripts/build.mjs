#!/usr/bin/env node
// Compiles src/ into a fresh dist/ (JavaScript and .d.ts): a file renamed or removed in src/ must not
// linger in dist/ and ship with the package.
// `--optional` is npm's `prepare` (after `npm install`, before `npm pack`): a production install
// (`npm ci --omit=dev`) has no TypeScript and must not fail for it; its dist/ comes from the packed
// package or from the full install that built it.
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  if (!process.argv.includes('--optional')) throw new Error('TypeScript is not installed: run `npm install` first');
  console.log('flashsale: TypeScript is not installed (production install), so dist/ is not rebuilt');
  process.exit(0);
}
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
// tsc writes plain files: the command npm links to (bin) must be executable for `npx flashsale`.
if (result.status === 0) chmodSync(new URL('../dist/cli/main.js', import.meta.url), 0o755);
process.exit(result.status ?? 1);
