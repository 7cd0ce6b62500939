import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The study's names and queue settings (src/config/config.ts uses the same defaults). */
export const MESSAGING = {
  topicName: 'order-processing-events',
  queueName: 'order-processing-queue',
  /** The queue's name plus -dlq, as the SQS bus names it when it provisions (src/sns-sqs). */
  deadLetterQueueName: 'order-processing-queue-dlq',
  visibilityTimeout: Duration.seconds(30),
  retention: Duration.days(4),
  receiveWait: Duration.seconds(20),
  /** Deliveries before a message is moved to the dead-letter queue, as FLASHSALE_MAX_RECEIVE_COUNT defaults. */
  maxReceiveCount: 5,
} as const;

/** Options of {@link OrderMessaging}. */
export interface OrderMessagingOptions {
  /** Create the queue and subscribe it to the topic; false when a function takes the topic's messages. Default true. */
  queue?: boolean;
}

/** The topic the API publishes orders to and, for the worker service, the queue that buffers them. */
export class OrderMessaging extends Construct {
  readonly topic: sns.Topic;
  readonly queue?: sqs.Queue;
  readonly deadLetterQueue?: sqs.Queue;

  constructor(scope: Construct, id: string, options: OrderMessagingOptions = {}) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { topicName: MESSAGING.topicName });
    if (options.queue === false) return;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: MESSAGING.deadLetterQueueName,
      // Longer than the main queue's retention, so a dead letter outlives the order it came from.
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: MESSAGING.queueName,
      visibilityTimeout: MESSAGING.visibilityTimeout,
      retentionPeriod: MESSAGING.retention,
      receiveMessageWaitTime: MESSAGING.receiveWait,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MESSAGING.maxReceiveCount },
      enforceSSL: true,
    });
    // Raw delivery: the worker reads the order JSON as published, not wrapped in an SNS envelope.
    this.topic.addSubscription(new subscriptions.SqsSubscription(this.queue, { rawMessageDelivery: true }));
  }

  /** What an accepting process needs: publish orders, find the topic by name, read the queues' depth for /stats. */
  grantPublish(grantee: iam.IGrantable): void {
    this.topic.grantPublish(grantee);
    // The SQS bus finds the topic by name; ListTopics cannot be scoped to one topic.
    iam.Grant.addToPrincipal({ grantee, actions: ['sns:ListTopics'], resourceArns: ['*'] });
    for (const queue of this.queues()) queue.grant(grantee, 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes');
  }

  /** What a processing process needs on top: receive and settle orders, dead-letter them, and redrive them. */
  grantProcess(grantee: iam.IGrantable): void {
    this.grantPublish(grantee);
    for (const queue of this.queues()) {
      queue.grantConsumeMessages(grantee);
      queue.grantSendMessages(grantee);
    }
  }

  private queues(): sqs.Queue[] {
    return [this.queue, this.deadLetterQueue].filter((q): q is sqs.Queue => q !== undefined);
  }
}
