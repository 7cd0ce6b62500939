import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type RuntimeWiring, runtimeEnvironment } from './environment.js';
import type { OrderMessaging } from './messaging.js';
import { PRIVATE_SUBNETS } from './network.js';

/** The compiled handler, relative to the image's task root: dist/serverless/handler.js exporting `handler`. */
export const HANDLER = 'dist/serverless/handler.handler';

/** What the function needs. */
export interface ProcessorFunctionDeps extends RuntimeWiring {
  code: lambda.DockerImageCode;
  messaging: OrderMessaging;
  /** The VPC to join; only needed to reach the database. */
  vpc?: ec2.IVpc;
}

/** Options of {@link ProcessorFunction}. */
export interface ProcessorFunctionOptions {
  /** Memory of one instance. Default 512 MB, the study's figure. */
  memorySize?: number;
  /** Longest run of one invocation; well above the 3 s payment plus a cold start. Default 30 s. */
  timeout?: Duration;
  /** Retries of a failed invocation before it goes to the failure queue. Default 2, as the study observed. */
  retryAttempts?: number;
}

/**
 * The serverless variant: a function subscribed directly to the topic replaces
 * the queue and the worker service. Whatever fails is kept in a queue instead of
 * vanishing, which is what the study saw happen after the topic's two retries.
 */
export class ProcessorFunction extends Construct {
  readonly function: lambda.DockerImageFunction;
  /** Orders whose invocation failed after every retry (Lambda on-failure destination records). */
  readonly failedInvocations: sqs.Queue;
  /** Messages the topic could not deliver to the function at all (throttling, missing permission). */
  readonly undeliverable: sqs.Queue;

  constructor(scope: Construct, id: string, deps: ProcessorFunctionDeps, options: ProcessorFunctionOptions = {}) {
    super(scope, id);
    this.failedInvocations = new sqs.Queue(this, 'FailedInvocations', {
      queueName: 'order-processing-failed',
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    this.undeliverable = new sqs.Queue(this, 'Undeliverable', {
      queueName: 'order-processing-undeliverable',
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });

    const environment = runtimeEnvironment(deps);
    if (deps.database) {
      // Lambda has no secret injection: the password is resolved at deploy time into the
      // function's configuration, readable by whoever may read that configuration.
      environment.PGUSER = deps.database.secret.secretValueFromJson('username').unsafeUnwrap();
      environment.PGPASSWORD = deps.database.secret.secretValueFromJson('password').unsafeUnwrap();
    }

    this.function = new lambda.DockerImageFunction(this, 'Function', {
      code: deps.code,
      memorySize: options.memorySize ?? 512,
      timeout: options.timeout ?? Duration.seconds(30),
      retryAttempts: options.retryAttempts ?? 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.failedInvocations),
      environment,
      ...(deps.database && deps.vpc ? { vpc: deps.vpc, vpcSubnets: { subnetGroupName: PRIVATE_SUBNETS } } : {}),
    });
    if (deps.database) deps.database.instance.connections.allowDefaultPortFrom(this.function);

    // The handler builds the same service configuration as the tasks, bus included.
    deps.messaging.grantPublish(this.function);
    deps.messaging.topic.addSubscription(
      new subscriptions.LambdaSubscription(this.function, { deadLetterQueue: this.undeliverable }),
    );
  }
}
