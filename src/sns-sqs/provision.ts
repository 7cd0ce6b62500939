import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  type SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface ProvisionSpec {
  /** topic name → names of the queues subscribed to it. */
  subscriptions: Record<string, readonly string[]>;
  /** Suffix of each queue's dead-letter queue. */
  deadLetterSuffix: string;
  /** Queue attributes, whole seconds. */
  visibilitySeconds: number;
  retentionSeconds: number;
  waitSeconds: number;
  maxReceiveCount: number;
}

/**
 * Creates what is missing — topics, queues with their dead-letter queue and
 * redrive policy, raw-delivery subscriptions — and leaves what exists alone.
 * Safe to run from several processes at once: every step is idempotent.
 */
export async function provision(clients: { sqs: SQSClient; sns: SNSClient }, spec: ProvisionSpec): Promise<void> {
  const { sqs, sns } = clients;
  const topicArns = new Map<string, string>();
  for (const topic of Object.keys(spec.subscriptions)) {
    const created = await sns.send(new CreateTopicCommand({ Name: topic }));
    if (!created.TopicArn) throw new Error(`CreateTopic ${topic} returned no ARN`);
    topicArns.set(topic, created.TopicArn);
  }
  for (const [topic, queues] of Object.entries(spec.subscriptions)) {
    const topicArn = topicArns.get(topic) as string;
    for (const queue of queues) {
      const dlqUrl = await ensureQueue(sqs, `${queue}${spec.deadLetterSuffix}`, {
        // Longer than the source's: retention counts from the first send, not from the move.
        MessageRetentionPeriod: '1209600',
      });
      const dlqArn = await queueArn(sqs, dlqUrl);
      const url = await ensureQueue(sqs, queue, {
        VisibilityTimeout: String(spec.visibilitySeconds),
        MessageRetentionPeriod: String(spec.retentionSeconds),
        ReceiveMessageWaitTimeSeconds: String(spec.waitSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: spec.maxReceiveCount }),
        // On AWS the topic may deliver to the queue only when the queue's policy allows it.
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: '*',
              Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
            },
          ],
        }),
      });
      await ensureSubscription(sns, topicArn, await queueArn(sqs, url));
    }
  }
}

async function ensureQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  const existing = await findQueue(sqs, name);
  if (existing) return existing;
  try {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (!created.QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`);
    return created.QueueUrl;
  } catch (error) {
    // Another process created it first, with other attributes: use theirs.
    const raced = await findQueue(sqs, name);
    if (raced) return raced;
    throw error;
  }
}

/** The queue's URL, or undefined when there is no such queue. */
export async function findQueue(sqs: SQSClient, name: string): Promise<string | undefined> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (isMissingQueue(error)) return undefined;
    throw error;
  }
}

export function isMissingQueue(error: unknown): boolean {
  const name = (error as { name?: string; Code?: string }).name ?? '';
  return name === 'QueueDoesNotExist' || name.endsWith('NonExistentQueue');
}

export async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${url} has no ARN`);
  return arn;
}

async function ensureSubscription(sns: SNSClient, topicArn: string, queueArn: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }));
    if (page.Subscriptions?.some((s) => s.Protocol === 'sqs' && s.Endpoint === queueArn)) return;
    token = page.NextToken;
  } while (token);
  // Raw delivery: the queue receives the published body itself, not an SNS envelope around it.
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
}
