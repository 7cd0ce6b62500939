import { fileURLToPath } from 'node:url';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { FlashsaleDashboard } from './dashboard.js';
import { OrderDatabase } from './database.js';
import { OrderMessaging } from './messaging.js';
import { createNetwork } from './network.js';
import { DEFAULT_OPTIONS, type FlashsaleOptions } from './options.js';
import { HANDLER, ProcessorFunction } from './processor-function.js';
import { NODE_MAJOR } from './runtime.js';
import { ApiService, createCluster, ProcessorService } from './services.js';

/** The repository root: the Docker build context (its .dockerignore keeps the context to what the image needs). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Fargate tasks and the function run on x86-64: an image built on an ARM laptop must be built for it. */
const PLATFORM = ecrAssets.Platform.LINUX_AMD64;

/** Every image on the Node.js major of the Lambda runtime, whatever the Dockerfile's default. */
const BUILD_ARGS = { NODE_VERSION: NODE_MAJOR };

/**
 * flashsale on AWS: the API behind a load balancer publishes orders to a topic;
 * either a worker service drains a queue subscribed to it, or a function is
 * subscribed to it directly.
 */
export class FlashsaleStack extends Stack {
  readonly options: FlashsaleOptions;

  constructor(scope: Construct, id: string, options: Partial<FlashsaleOptions> = {}, props: StackProps = {}) {
    super(scope, id, {
      description: 'flashsale: order pipeline (API, topic, processor) in its own VPC',
      ...props,
    });
    const opts: FlashsaleOptions = { ...DEFAULT_OPTIONS, ...options };
    this.options = opts;
    const usesFunction = opts.processor === 'function';

    const vpc = createNetwork(this);
    const messaging = new OrderMessaging(this, 'Messaging', { queue: !usesFunction });
    const database = opts.database ? new OrderDatabase(this, 'Database', { vpc }) : undefined;
    const cluster = createCluster(this, vpc);
    const image = opts.image
      ? ecs.ContainerImage.fromRegistry(opts.image)
      : ecs.ContainerImage.fromDockerImageAsset(
          new ecrAssets.DockerImageAsset(this, 'Image', {
            directory: REPO_ROOT,
            target: 'runtime',
            buildArgs: BUILD_ARGS,
            platform: PLATFORM,
          }),
        );
    const wiring = { messaging, database };

    const api = new ApiService(this, 'Api', { ...wiring, cluster, image }, { desiredCount: opts.apiTasks });

    let processorService: ProcessorService | undefined;
    let processorFunction: ProcessorFunction | undefined;
    if (usesFunction) {
      const code = lambda.DockerImageCode.fromImageAsset(REPO_ROOT, {
        target: 'lambda',
        cmd: [HANDLER],
        buildArgs: BUILD_ARGS,
        platform: PLATFORM,
      });
      processorFunction = new ProcessorFunction(this, 'Processor', { ...wiring, code, vpc });
    } else {
      processorService = new ProcessorService(
        this,
        'Processor',
        { ...wiring, cluster, image },
        { workersPerTask: opts.workersPerTask, maxTasks: opts.maxProcessorTasks },
      );
    }

    const dashboard = new FlashsaleDashboard(this, 'Dashboard', {
      loadBalancer: api.loadBalancer,
      queue: messaging.queue,
      deadLetterQueue: messaging.deadLetterQueue,
      processorService: processorService?.service,
      processorFunction: processorFunction?.function,
      failureQueues: processorFunction ? [processorFunction.failedInvocations, processorFunction.undeliverable] : [],
    });

    new CfnOutput(this, 'LoadBalancerUrl', {
      value: `http://${api.loadBalancer.loadBalancerDnsName}`,
      description: 'Base URL for clients and for `flashsale loadtest --host`',
    });
    new CfnOutput(this, 'TopicArn', { value: messaging.topic.topicArn });
    if (messaging.queue) new CfnOutput(this, 'QueueUrl', { value: messaging.queue.queueUrl });
    if (processorFunction) new CfnOutput(this, 'FunctionName', { value: processorFunction.function.functionName });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
  }
}
