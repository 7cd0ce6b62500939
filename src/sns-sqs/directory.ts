import { ListTopicsCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from '../core/clock.js';
import { FlashsaleError } from '../core/errors.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { findQueue } from './provision.js';

export interface QueueInfo {
  url: string;
  /** Present when the queue has a redrive policy naming an existing queue. */
  dlq?: DeadLetterQueue;
}

/**
 * Finds queues (URL and dead-letter queue, from the queue's own redrive
 * policy, so queues created elsewhere — by CDK — work too) and topic ARNs by
 * name, once; a failed look-up is retried on the next call, not cached.
 */
export class SqsDirectory {
  private readonly queues = new Map<string, Promise<QueueInfo>>();
  private readonly topics = new Map<string, Promise<string>>();

  constructor(
    private readonly deps: { sqs: SQSClient; sns: SNSClient; clock: Clock },
    private readonly options: { sweepWaitSeconds: number },
  ) {}

  queue(name: string): Promise<QueueInfo> {
    return cached(this.queues, name, () => this.lookUpQueue(name));
  }

  /** A topic's ARN; a name that already is an ARN is returned as it is. */
  topicArn(topic: string): Promise<string> {
    return cached(this.topics, topic, () => this.lookUpTopic(topic));
  }

  private async lookUpQueue(name: string): Promise<QueueInfo> {
    const { sqs, clock } = this.deps;
    const url = await findQueue(sqs, name);
    if (!url) {
      throw new FlashsaleError(
        'configuration_error',
        `SQS queue ${name} does not exist; create it or start with --provision`,
      );
    }
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }));
    const policy = out.Attributes?.RedrivePolicy;
    if (!policy) return { url };
    const { deadLetterTargetArn, maxReceiveCount } = JSON.parse(policy) as {
      deadLetterTargetArn: string;
      maxReceiveCount: number | string;
    };
    const dlqUrl = await findQueue(sqs, deadLetterTargetArn.split(':').pop() ?? '');
    if (!dlqUrl) return { url };
    return {
      url,
      dlq: new DeadLetterQueue(
        { sqs, clock },
        { url: dlqUrl, maxReceiveCount: Number(maxReceiveCount), sweepWaitSeconds: this.options.sweepWaitSeconds },
      ),
    };
  }

  private async lookUpTopic(topic: string): Promise<string> {
    if (topic.startsWith('arn:')) return topic;
    let token: string | undefined;
    do {
      const page = await this.deps.sns.send(new ListTopicsCommand({ NextToken: token }));
      const found = page.Topics?.find((t) => t.TopicArn?.split(':').pop() === topic);
      if (found?.TopicArn) return found.TopicArn;
      token = page.NextToken;
    } while (token);
    throw new FlashsaleError(
      'configuration_error',
      `SNS topic ${topic} does not exist; create it or start with --provision`,
    );
  }
}

function cached<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = map.get(key);
  if (!value) {
    value = load();
    // A failed look-up (bus down) is retried next time rather than cached.
    value.catch(() => map.delete(key));
    map.set(key, value);
  }
  return value;
}
