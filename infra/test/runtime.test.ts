import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { execForm, parseDockerfile, type Stage } from '../../test/container/dockerfile.js';
import { REPO_ROOT } from '../lib/flashsale-stack.js';
import { HANDLER } from '../lib/processor-function.js';
import { LAMBDA_RUNTIME, NODE_MAJOR } from '../lib/runtime.js';
import { synthesize } from './synth.js';

// The function variant builds both images: the service (target runtime) and the function (target lambda).
const synth = synthesize({ processor: 'function' });
after(() => synth.dispose());
const imageOf = (target: string) => {
  const found = Object.values(synth.dockerImages).find((image) => image.source.dockerBuildTarget === target);
  assert.ok(found, `an image of the Dockerfile's ${target} target`);
  return found.source;
};

const dockerfile = parseDockerfile(join(REPO_ROOT, 'Dockerfile'));
const stage = (name: string): Stage => {
  const found = dockerfile.stages.find((s) => s.name === name);
  assert.ok(found, `a stage named ${name}`);
  return found;
};

describe('the Node.js runtime of every image', () => {
  test('the function runs on the newest Node.js LTS that Lambda offers', () => {
    assert.equal(LAMBDA_RUNTIME.name, lambda.Runtime.NODEJS_LATEST.name, 'a newer Lambda Node.js runtime exists');
    assert.equal(LAMBDA_RUNTIME.name, `nodejs${NODE_MAJOR}.x`);
    assert.equal(Number(NODE_MAJOR) % 2, 0, 'an even major: an LTS line');
    assert.ok(Number(NODE_MAJOR) >= 24, 'Node.js 20 reached its end of life in April 2026');
  });

  test("the function's image is built on the Lambda base image of that major", () => {
    assert.deepEqual(imageOf('lambda').dockerBuildArgs, { NODE_VERSION: NODE_MAJOR });
    for (const name of ['lambda-deps', 'lambda']) {
      assert.match(stage(name).base, /^public\.ecr\.aws\/lambda\/nodejs:\$\{NODE_VERSION\}$/, name);
    }
  });

  test('the service image is built on the same major, which is also the Dockerfile default for `docker build`', () => {
    assert.deepEqual(imageOf('runtime').dockerBuildArgs, { NODE_VERSION: NODE_MAJOR });
    assert.deepEqual(dockerfile.args, [{ op: 'ARG', args: `NODE_VERSION=${NODE_MAJOR}` }]);
    for (const name of ['build', 'deps', 'runtime']) {
      assert.match(stage(name).base, /^node:\$\{NODE_VERSION\}-/, name);
    }
  });

  test('the lambda target runs the handler the function points at', () => {
    const cmd = stage('lambda').instructions.find((i) => i.op === 'CMD');
    assert.ok(cmd);
    assert.deepEqual(execForm(cmd.args), [HANDLER]);
  });
});
