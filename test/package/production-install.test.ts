// `npm ci --omit=dev` in a checkout: the production install an operator runs. It must succeed
// although the package's own `prepare` step (the TypeScript build) has no TypeScript to run, and
// it must leave the dev tools and the CDK out.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;

test('`npm ci --omit=dev` succeeds without TypeScript and installs only what the service runs on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-prod-install-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  // The one change to the checkout: better-sqlite3's install script (a from-source compile of SQLite
  // when no prebuilt binary can be downloaded, minutes on two cores) is denied. npm still runs the
  // package's own `prepare`, which is what this test is about.
  manifest.allowScripts = { ...manifest.allowScripts, 'better-sqlite3': false };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  cpSync(join(root, 'package-lock.json'), join(dir, 'package-lock.json'));
  mkdirSync(join(dir, 'scripts'));
  // The install scripts `prepare` runs: the build and the prune of better-sqlite3's build leftovers.
  for (const script of ['build.mjs', 'prune-native-build.mjs']) {
    cpSync(join(root, 'scripts', script), join(dir, 'scripts', script));
  }
  cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true });

  // --prefer-offline: the repository's own install filled the npm cache.
  const result = spawnSync('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /TypeScript is not installed \(production install\), so dist\/ is not rebuilt/);

  const has = (name: string) => existsSync(join(dir, 'node_modules', name, 'package.json'));
  for (const name of Object.keys(manifest.dependencies)) assert.ok(has(name), `${name} installed`);
  // A dev dependency the service also runs on (ajv, under Fastify) is installed: the lockfile says which are dev-only.
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const devOnly = Object.keys(manifest.devDependencies).filter((name) => lock.packages[`node_modules/${name}`]?.dev);
  assert.ok(devOnly.includes('typescript'));
  for (const name of [...devOnly, 'aws-cdk-lib', 'aws-cdk', 'constructs']) {
    assert.ok(!has(name), `${name} left out`);
  }
});
