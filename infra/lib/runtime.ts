import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The Lambda runtime of the serverless processor: the newest Node.js LTS that Lambda runs. The function
 * is an image built on public.ecr.aws/lambda/nodejs:<major>, so the runtime is chosen by the image's
 * base, and this constant is where that major is decided for every image the stack builds.
 */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** The Node.js major of every image: the Dockerfile's `NODE_VERSION` build argument. */
export const NODE_MAJOR = nodeMajor(LAMBDA_RUNTIME);

function nodeMajor(runtime: lambda.Runtime): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime.name)?.[1];
  if (!major) throw new Error(`not a Node.js runtime: ${runtime.name}`);
  return major;
}
