// The Dockerfile cannot be built here (no Docker engine), so this file checks it in
// two ways. Statically: stages, user, health check, entrypoint, and what its COPYs
// read. Then by running its steps in clean temp dirs: the build stage's compile and
// pack, the deps stage's `npm ci --omit=dev`, and the runtime
// stage's entrypoint with the image's environment, probed by the image's own
// HEALTHCHECK command. One step is stood in for: `npm rebuild better-sqlite3`
// compiles SQLite from source when no prebuilt binary can be downloaded (minutes on
// two cores, and there is no download here), so the addon the repository's own
// install built is copied instead.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { contextSources, execForm, parseDockerfile, runCommands, type Stage } from './dockerfile.js';

const root = new URL('../..', import.meta.url).pathname;
const { args, stages } = parseDockerfile(join(root, 'Dockerfile'));
const stage = (name: string): Stage => {
  const found = stages.find((s) => s.name === name);
  assert.ok(found, `a stage named ${name}`);
  return found;
};
const ops = (s: Stage, op: string) => s.instructions.filter((i) => i.op === op).map((i) => i.args);
const runtime = stage('runtime');

describe('Dockerfile, as written', () => {
  test('the default target is the small runtime image, every stage on one supported Node.js LTS', () => {
    assert.equal(stages.at(-1)?.name, 'runtime');
    // Node 24: the newest LTS that Lambda runs (infra/test/runtime.test.ts ties the two); Node 20 ended in April 2026.
    assert.deepEqual(args, [{ op: 'ARG', args: 'NODE_VERSION=24' }]);
    for (const name of ['build', 'deps', 'runtime']) {
      assert.match(stage(name).base, /^node:\$\{NODE_VERSION\}-trixie-slim$/, name);
    }
    for (const name of ['lambda-deps', 'lambda']) {
      assert.match(stage(name).base, /^public\.ecr\.aws\/lambda\/nodejs:\$\{NODE_VERSION\}$/, name);
    }
  });

  test('the service listens on every interface of the container, as the CLI does not by default', () => {
    const env = ops(runtime, 'ENV').flatMap((line) => line.split(' '));
    assert.ok(env.includes('HOST=0.0.0.0'), env.join(' '));
    assert.ok(env.includes('PORT=8080'));
  });

  test('runs as the unprivileged node user, with no compiler in the runtime image', () => {
    assert.deepEqual(ops(runtime, 'USER'), ['node']);
    const userAt = runtime.instructions.findIndex((i) => i.op === 'USER');
    const entryAt = runtime.instructions.findIndex((i) => i.op === 'ENTRYPOINT');
    assert.ok(userAt >= 0 && userAt < entryAt);
    assert.doesNotMatch(runCommands(runtime).join(' '), /apt-get|g\+\+|npm (ci|install)/);
    assert.match(runCommands(stage('deps')).join(' '), /apt-get install .*python3 make g\+\+/);
  });

  test('the entrypoint is the flashsale CLI, `serve` by default, and the health check probes /health', () => {
    assert.deepEqual(execForm(ops(runtime, 'ENTRYPOINT')[0]!), ['node', 'dist/cli/main.js']);
    assert.deepEqual(execForm(ops(runtime, 'CMD')[0]!), ['serve']);
    const health = ops(runtime, 'HEALTHCHECK')[0]!;
    assert.match(health, /--interval=\S+ .*CMD \[/);
    assert.match(execForm(health).join(' '), /\/health/);
    assert.deepEqual(ops(runtime, 'EXPOSE'), ['8080']);
  });

  test('the runtime image takes production node_modules from deps and the packed package from build', () => {
    const copies = ops(runtime, 'COPY');
    assert.ok(copies.some((c) => /^--from=deps \/app\/node_modules /.test(c)));
    assert.ok(copies.some((c) => /^--from=build \/out\/ /.test(c)));
    for (const name of ['deps', 'lambda-deps']) {
      assert.ok(
        runCommands(stage(name)).some((c) => /^npm ci .*--omit=dev/.test(c)),
        `${name} installs production dependencies only`,
      );
    }
  });

  test('the lambda target runs the compiled serverless handler', () => {
    const [handler = ''] = execForm(ops(stage('lambda'), 'CMD')[0]!);
    const [file, exported] = [handler.slice(0, handler.lastIndexOf('.')), handler.slice(handler.lastIndexOf('.') + 1)];
    assert.equal(`${file}.js`, 'dist/serverless/handler.js');
    assert.equal(exported, 'handler');
  });

  test('every file COPYed from the build context exists', () => {
    const sources = stages.flatMap((s) => s.instructions.filter((i) => i.op === 'COPY').flatMap(contextSources));
    assert.ok(sources.length >= 5);
    for (const source of sources) assert.ok(existsSync(join(root, source)), source);
  });
});

describe('Dockerfile, its steps run in clean directories', () => {
  const work = mkdtempSync(join(tmpdir(), 'flashsale-image-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const build = join(work, 'build');
  const deps = join(work, 'deps');
  const app = join(work, 'app');

  /** Copies the context files a stage's COPY instructions name, to where they name. */
  const copyContext = (s: Stage, dest: string) => {
    for (const copy of s.instructions.filter((i) => i.op === 'COPY')) {
      const sources = contextSources(copy);
      const target = copy.args.split(' ').at(-1)!;
      for (const source of sources) {
        const to = target.endsWith('/') ? join(dest, target, source.split('/').at(-1)!) : join(dest, target);
        mkdirSync(dirname(to), { recursive: true });
        cpSync(join(root, source), to, { recursive: true });
      }
    }
  };
  const sh = (command: string, cwd: string) => {
    const result = spawnSync('sh', ['-c', command], { cwd, encoding: 'utf8', timeout: 180_000 });
    assert.equal(result.status, 0, `${command}\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  };

  test('build stage: compiles and packs what package.json publishes', () => {
    mkdirSync(build, { recursive: true });
    copyContext(stage('build'), build);
    // Stands in for the stage's full `npm ci`: the repository's install has the same lockfile.
    symlinkSync(join(root, 'node_modules'), join(build, 'node_modules'), 'dir');
    const compile = stage('build')
      .instructions.filter((i) => i.op === 'RUN')
      .at(-1)!.args;
    sh(compile.replaceAll(' /tmp', ` ${work}`).replaceAll(' /out', ` ${join(work, 'out')}`), build);
    for (const file of ['dist/cli/main.js', 'dist/serverless/handler.js', 'src/dashboard/public/index.html']) {
      assert.ok(existsSync(join(work, 'out', file)), file);
    }
    assert.ok(existsSync(join(work, 'out/package.json')));
    assert.ok(!existsSync(join(work, 'out/src/cli')), 'TypeScript sources stay out of the package');
  });

  test('deps stage: `npm ci --omit=dev` installs the service without the CDK or dev tools', () => {
    mkdirSync(deps, { recursive: true });
    copyContext(stage('deps'), deps);
    const install = runCommands(stage('deps')).find((c) => c.startsWith('npm ci'))!;
    // --prefer-offline: the repository's own install filled the npm cache.
    const result = spawnSync('sh', ['-c', `${install} --prefer-offline`], { cwd: deps, encoding: 'utf8' });
    assert.equal(
      result.status,
      0,
      /can only install packages when your package.json and package-lock.json/.test(result.stderr)
        ? `package-lock.json is out of sync with package.json, so npm ci (the Dockerfile's and .ci/run's) refuses it:\n${result.stderr}`
        : result.stderr,
    );
    const has = (name: string) => existsSync(join(deps, 'node_modules', name, 'package.json'));
    for (const name of ['better-sqlite3', 'fastify', 'commander', 'pino']) assert.ok(has(name), `${name} installed`);
    for (const name of ['aws-cdk-lib', 'constructs', 'aws-cdk', 'typescript', 'tsx', '@biomejs/biome']) {
      assert.ok(!has(name), `${name} left out`);
    }
    cpSync(join(root, 'node_modules/better-sqlite3/build'), join(deps, 'node_modules/better-sqlite3/build'), {
      recursive: true,
    });
  });

  test('runtime stage: the entrypoint serves, and the image HEALTHCHECK passes against it', async () => {
    assert.ok(
      existsSync(join(work, 'out/dist/cli/main.js')) && existsSync(join(deps, 'node_modules')),
      'needs what the build and deps stages above produce',
    );
    cpSync(join(work, 'out'), app, { recursive: true });
    renameSync(join(deps, 'node_modules'), join(app, 'node_modules'));
    mkdirSync(join(app, 'data'));

    const imageEnv = Object.fromEntries(
      ops(runtime, 'ENV')
        .flatMap((line) => line.split(' '))
        .map((pair) => pair.split('=') as [string, string]),
    );
    assert.equal(imageEnv.PORT, '8080');
    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? '',
      ...imageEnv,
      HOST: '127.0.0.1',
      PORT: String(port),
      FLASHSALE_DB: join(app, 'data/flashsale.db'),
      FLASHSALE_LOG_LEVEL: 'silent',
    };
    const entry = [...execForm(ops(runtime, 'ENTRYPOINT')[0]!), ...execForm(ops(runtime, 'CMD')[0]!)];
    const help = spawnSync(process.execPath, [entry[1]!, '--help'], { cwd: app, env, encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /serve/);
    assert.match(help.stdout, /cost/);

    const healthcheck = execForm(ops(runtime, 'HEALTHCHECK')[0]!);
    const probe = () => spawnSync(healthcheck[0]!, healthcheck.slice(1), { cwd: app, env, timeout: 10_000 }).status;
    assert.equal(probe(), 1, 'the probe fails while nothing listens');

    const server = spawn(process.execPath, entry.slice(1), { cwd: app, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    try {
      const deadline = Date.now() + 30_000;
      while ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok !== true) {
        assert.equal(server.exitCode, null, `the service exited: ${stderr}`);
        assert.ok(Date.now() < deadline, `no /health within 30 s: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(probe(), 0, 'the image HEALTHCHECK passes');
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
