// What `npm pack` (and so `npm publish`) ships, and that a project which installs the tarball can use
// the programmatic API the README documents, by the package's name, with its types. The tarball is
// packed once from the dist/ that `npm install`'s prepare built (--ignore-scripts: no second compile).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
};
const work = mkdtempSync(join(tmpdir(), 'flashsale-pack-'));
after(() => rmSync(work, { recursive: true, force: true }));

const run = (command: string, args: string[], cwd: string) => {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
};

const [packed] = JSON.parse(
  run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root),
) as Array<{ filename: string; files: Array<{ path: string }> }>;
assert.ok(packed);
const files = packed.files.map((f) => f.path);

describe('npm pack', () => {
  test('ships the compiled CLI, the documented entry points with their types, and the dashboard files', () => {
    // dist/ is what `npm install` built (prepare); after changing src/ without it, `npm run build`.
    for (const file of Object.values(manifest.bin)) assert.ok(files.includes(file), file);
    for (const [entry, target] of Object.entries(manifest.exports)) {
      const paths = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const path of paths) assert.ok(files.includes(path.replace(/^\.\//, '')), `${entry}: ${path}`);
    }
    for (const file of ['index.html', 'dashboard.js', 'dashboard.css']) {
      assert.ok(files.includes(`src/dashboard/public/${file}`), file);
    }
    assert.ok(files.includes('dist/serverless/handler.js'), 'the Lambda handler');
    assert.ok(files.includes('README.md'));
  });

  test('ships no TypeScript sources, tests, benchmarks, infra, scripts or local data', () => {
    const unwanted = files.filter(
      (f) =>
        /^(test|bench|infra|scripts|docs|data|results|node_modules)\//.test(f) ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')) ||
        /^tsconfig|^biome|^Dockerfile|package-lock\.json$/.test(f),
    );
    assert.deepEqual(unwanted, []);
    const outside = files.filter((f) => !f.startsWith('dist/') && !f.startsWith('src/dashboard/public/'));
    assert.deepEqual(outside.sort(), ['README.md', 'package.json']);
  });
});

describe('the packed package, installed in another project', () => {
  const project = join(work, 'project');
  const installed = join(project, 'node_modules', manifest.name);
  mkdirSync(installed, { recursive: true });
  run('tar', ['-xzf', join(work, packed.filename), '-C', installed, '--strip-components=1'], work);
  // Its dependencies are the repository's own install: the package finds them as npm would nest them.
  symlinkSync(join(root, 'node_modules'), join(installed, 'node_modules'), 'dir');

  test('the README example imports resolve by package name, and the API answers', () => {
    writeFileSync(
      join(project, 'check.mjs'),
      `import { runLoadTest, saveResults, SCENARIOS } from '${manifest.name}/loadtest';
import { analyzeCapacity, STUDY_PARAMS } from '${manifest.name}/analyze';
import { writeReport, buildReport } from '${manifest.name}/report';
import pkg from '${manifest.name}/package.json' with { type: 'json' };
const study = analyzeCapacity(STUDY_PARAMS);
console.log(JSON.stringify({
  functions: [runLoadTest, saveResults, writeReport, buildReport].map((f) => typeof f),
  studyUsers: [SCENARIOS.normal.users, SCENARIOS.flash.users],
  capacityPerHour: study.capacityPerHour,
  minWorkers: study.minWorkers,
  version: pkg.version,
}));
`,
    );
    const out = JSON.parse(run(process.execPath, ['check.mjs'], project));
    assert.deepEqual(out, {
      functions: ['function', 'function', 'function', 'function'],
      studyUsers: [5, 20],
      capacityPerHour: 1200,
      minWorkers: 180,
      version: manifest.version,
    });
  });

  test("the package's internals stay private: only the exports map is importable", () => {
    const result = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `await import('${manifest.name}/dist/service/node.js')`],
      { cwd: project, encoding: 'utf8' },
    );
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  test('TypeScript finds the declarations: typed results, and a wrong call is a type error', () => {
    writeFileSync(
      join(project, 'check.ts'),
      `import { analyzeCapacity, type CapacityAnalysis, STUDY_PARAMS } from '${manifest.name}/analyze';
import { type LoadTestResult, runLoadTest } from '${manifest.name}/loadtest';
import { writeReport } from '${manifest.name}/report';

const study: CapacityAnalysis = analyzeCapacity(STUDY_PARAMS);
export const perHour: number = study.capacityPerHour;
export const report = (results: LoadTestResult[]) => writeReport(results, { out: 'results/report' });
// @ts-expect-error runLoadTest needs its options: with the types missing this line would not be an error
export const wrong = runLoadTest();
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
        },
        files: ['check.ts'],
      }),
    );
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
  });
});
