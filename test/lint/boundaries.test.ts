import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const biome = join(root, 'node_modules/@biomejs/biome/bin/biome');
const RULE = 'lint/style/noRestrictedImports';

/** `biome lint` on the given paths, as `npm test` runs it (through biome check). */
function lint(...paths: string[]) {
  const run = spawnSync(process.execPath, [biome, 'lint', '--colors=off', ...paths], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** The lines of `path` the rule reports, from the diagnostics' headers (`path:line:column rule`). */
function flagged(output: string, path: string): number[] {
  const header = new RegExp(`${path.replace(/[.]/g, '\\.')}:(\\d+):\\d+ ${RULE}`, 'g');
  return [...output.matchAll(header)].map((match) => Number(match[1]));
}

/**
 * Writes `source` as a file of the tree, lints it, and removes it whatever
 * happens. The probe type-checks, so one left behind by a killed run breaks
 * nothing but the lint.
 */
function probe(path: string, source: string) {
  const file = join(root, path);
  writeFileSync(file, source);
  try {
    return lint(path);
  } finally {
    rmSync(file, { force: true });
  }
}

describe('import boundaries, enforced by the linter', () => {
  test('src/core importing an adapter or a driver fails the lint, naming the rule and each import', () => {
    const { status, output } = probe(
      'src/core/__lint_probe__.ts',
      [
        "import type { Pool } from 'pg';",
        "import type { SqliteDatabase } from '../sqlite/database.js';",
        "import type { Order } from './order.js';",
        '',
        'export type Probe = [SqliteDatabase, Pool, Order];',
        '',
      ].join('\n'),
    );
    assert.notEqual(status, 0, output);
    // The driver's type and the adapter are flagged; the core's own module is not.
    assert.deepEqual(flagged(output, 'src/core/__lint_probe__.ts'), [1, 2], output);
    assert.match(output, /src\/core is the domain/);
  });

  test('the load lab importing the composition root, the core or an adapter fails the lint', () => {
    const { status, output } = probe(
      'src/lab/__lint_probe__.ts',
      [
        "import type { startNode } from '../service/node.js';",
        "import type { Order } from '../core/order.js';",
        "import type { PostgresDatabase } from '../postgres/database.js';",
        '',
        'export type Probe = [typeof startNode, Order, PostgresDatabase];',
        '',
      ].join('\n'),
    );
    assert.notEqual(status, 0, output);
    assert.deepEqual(flagged(output, 'src/lab/__lint_probe__.ts'), [1, 2, 3], output);
    assert.match(output, /client of the service's public HTTP API/);
  });

  test("the lab's own folders, the shared parsers and the version are allowed", () => {
    const { status, output } = probe(
      'src/lab/__lint_probe__.ts',
      [
        "import { parseDuration } from '../config/parse.js';",
        "import { formatNumber } from '../loadtest/format.js';",
        "import { VERSION } from '../version.js';",
        "import type { ChildRequest } from './protocol.js';",
        '',
        'export const probe = [parseDuration, formatNumber, VERSION];',
        'export type Probe = ChildRequest;',
        '',
      ].join('\n'),
    );
    assert.equal(status, 0, output);
    assert.deepEqual(flagged(output, 'src/lab/__lint_probe__.ts'), []);
  });

  test('the tree as it is passes', () => {
    const { status, output } = lint('src');
    assert.equal(status, 0, output);
    assert.doesNotMatch(output, new RegExp(RULE));
  });
});
