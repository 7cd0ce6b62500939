import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type ReceiveMessageCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type Clock, isAbortError } from '../core/clock.js';
import { FlashsaleError } from '../core/errors.js';
import type { BusMessage, DeadLetter, Logger, MessageBus, QueueDepth, ReceiveOptions } from '../core/ports.js';
import { awsClients, busUnavailable, unwrapEnvelope } from './clients.js';
import { type QueueInfo, SqsDirectory } from './directory.js';
import { SqsDurations } from './durations.js';
import { provision } from './provision.js';

/** Defaults and variables: the settings table (queue.*, aws.*, sqs.*). */
export interface SqsBusOptions {
  /** topic → the queues subscribed to it. */
  subscriptions: Record<string, readonly string[]>;
  /** SNS and SQS endpoint (an emulator); unset = AWS, as the SDK resolves it. */
  endpoint?: string;
  /** Region; unset = the SDK's resolution (AWS_REGION, profile). */
  region?: string;
  /** Static credentials; unset = the SDK's default chain (env, profile, role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** How long a received message stays hidden, simulated ms. */
  visibilityTimeoutMs: number;
  /** Message retention when provisioning, simulated ms. */
  retentionMs: number;
  /** Queue's default long-poll wait when provisioning, simulated ms. */
  waitTimeMs: number;
  /** Deliveries before SQS moves a message to the dead-letter queue, when provisioning. */
  maxReceiveCount: number;
  /** Create missing topics, queues and subscriptions at init. */
  provision: boolean;
  /** Name of a queue's dead-letter queue, when provisioning: queue + suffix. */
  deadLetterSuffix: string;
  /** Long-poll seconds that end a sweep of a dead-letter queue (short polls may miss messages on AWS). */
  sweepWaitSeconds: number;
}

/** What we remember of a delivery, to move it to the dead-letter queue by its receipt alone. */
interface Delivery {
  message: BusMessage;
  queue: string;
}

const STALE = new Set(['MessageNotInflight', 'ReceiptHandleIsInvalid', 'InvalidParameterValue']);
const MAX_REMEMBERED = 10_000;

/**
 * The message bus on AWS SNS + SQS: publish to a topic, consume its queue
 * with long polling, visibility timeouts and a dead-letter queue. SQS has no
 * "move to dead-letter queue" or peek, so dead-lettering, listing and
 * redriving work by receive → send → delete, which emulators support too.
 */
export class SqsBus implements MessageBus {
  private readonly sqs: SQSClient;
  private readonly sns: SNSClient;
  private readonly opts: SqsBusOptions;
  private readonly seconds: SqsDurations;
  private readonly directory: SqsDirectory;
  private readonly deliveries = new Map<string, Delivery>();

  constructor(
    private readonly deps: { clock: Clock; logger: Logger },
    options: SqsBusOptions,
  ) {
    this.opts = options;
    this.seconds = new SqsDurations(deps.clock);
    const clients = awsClients(options);
    this.sqs = clients.sqs;
    this.sns = clients.sns;
    this.directory = new SqsDirectory(
      { sqs: this.sqs, sns: this.sns, clock: deps.clock },
      { sweepWaitSeconds: this.opts.sweepWaitSeconds },
    );
  }

  async init(): Promise<void> {
    if (this.opts.provision) {
      await this.call('provision', () =>
        provision(
          { sqs: this.sqs, sns: this.sns },
          {
            subscriptions: this.opts.subscriptions,
            deadLetterSuffix: this.opts.deadLetterSuffix,
            visibilitySeconds: this.seconds.visibility(this.opts.visibilityTimeoutMs),
            retentionSeconds: this.seconds.retention(this.opts.retentionMs),
            waitSeconds: this.seconds.wait(this.opts.waitTimeMs),
            maxReceiveCount: this.opts.maxReceiveCount,
          },
        ),
      );
    }
    // Fail at start, naming what is missing, rather than at the first order.
    for (const [topic, queues] of Object.entries(this.opts.subscriptions)) {
      await this.topicArn(topic);
      for (const queue of queues) await this.queue(queue);
    }
  }

  async close(): Promise<void> {
    this.sqs.destroy();
    this.sns.destroy();
  }

  async publish(topic: string, bodies: readonly string[]): Promise<void> {
    const arn = await this.topicArn(topic);
    const chunks: string[][] = [];
    for (let i = 0; i < bodies.length; i += 10) chunks.push(bodies.slice(i, i + 10));
    await Promise.all(
      chunks.map(async (chunk) => {
        const out = await this.call(`publish to ${topic}`, () =>
          this.sns.send(
            new PublishBatchCommand({
              TopicArn: arn,
              PublishBatchRequestEntries: chunk.map((body, i) => ({ Id: String(i), Message: body })),
            }),
          ),
        );
        const failed = out.Failed ?? [];
        if (failed.length > 0) {
          throw new FlashsaleError(
            'bus_unavailable',
            `${failed.length} of ${chunk.length} messages were not published to ${topic}: ${failed[0]?.Message ?? failed[0]?.Code}`,
            true,
          );
        }
      }),
    );
  }

  async receive(queue: string, options: ReceiveOptions): Promise<BusMessage[]> {
    const { url } = await this.queue(queue);
    let out: ReceiveMessageCommandOutput;
    try {
      out = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.max(1, Math.min(10, options.maxMessages)),
          WaitTimeSeconds: this.seconds.wait(options.waitMs),
          VisibilityTimeout: this.seconds.visibility(this.opts.visibilityTimeoutMs),
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
        options.signal ? { abortSignal: options.signal } : {},
      );
    } catch (error) {
      if (options.signal?.aborted && isAbortError(error)) return [];
      throw busUnavailable(`receive from ${queue}`, error);
    }
    return (out.Messages ?? []).map((m) => {
      const message: BusMessage = {
        id: m.MessageId ?? '',
        body: unwrapEnvelope(m.Body ?? ''),
        receipt: m.ReceiptHandle ?? '',
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
        sentAt: Number(m.Attributes?.SentTimestamp ?? this.deps.clock.now()),
      };
      this.remember(message, queue);
      return message;
    });
  }

  async ack(queue: string, receipt: string): Promise<boolean> {
    // SQS silently ignores a delete with a stale receipt; changing visibility tells whether ours is current.
    if (!(await this.changeVisibility(queue, receipt, this.opts.visibilityTimeoutMs))) return false;
    const { url } = await this.queue(queue);
    await this.call('delete', () => this.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receipt })));
    this.deliveries.delete(receipt);
    return true;
  }

  extend(queue: string, receipt: string, visibilityMs: number): Promise<boolean> {
    return this.changeVisibility(queue, receipt, visibilityMs);
  }

  async release(queue: string, receipt: string, delayMs = 0): Promise<boolean> {
    const changed = await this.changeVisibility(queue, receipt, delayMs);
    if (changed) this.deliveries.delete(receipt);
    return changed;
  }

  async deadLetter(queue: string, receipt: string, reason: string): Promise<boolean> {
    const delivery = this.deliveries.get(receipt);
    if (!delivery) {
      this.deps.logger.warn({ queue }, 'dead-letter refused: this process did not receive that message');
      return false;
    }
    if (!(await this.changeVisibility(queue, receipt, this.opts.visibilityTimeoutMs))) return false;
    const info = await this.queue(queue);
    if (!info.dlq) throw new FlashsaleError('bus_unavailable', `queue ${queue} has no dead-letter queue`, false);
    await this.call('dead-letter', () => info.dlq!.add(delivery.message, reason, this.deps.clock.now()));
    await this.call('delete', () =>
      this.sqs.send(new DeleteMessageCommand({ QueueUrl: info.url, ReceiptHandle: receipt })),
    );
    this.deliveries.delete(receipt);
    return true;
  }

  async depth(queue: string): Promise<QueueDepth> {
    const info = await this.queue(queue);
    const [main, dead] = await Promise.all([
      this.counts(info.url),
      info.dlq ? this.counts(info.dlq.url) : Promise.resolve({ visible: 0, hidden: 0 }),
    ]);
    return { visible: main.visible, inFlight: main.hidden, deadLetters: dead.visible + dead.hidden };
  }

  async listDeadLetters(queue: string, limit = 100): Promise<DeadLetter[]> {
    const info = await this.queue(queue);
    if (!info.dlq) return [];
    return this.call('list dead letters', () => info.dlq!.list(limit));
  }

  async redrive(queue: string, ids?: readonly string[]): Promise<number> {
    const info = await this.queue(queue);
    if (!info.dlq) return 0;
    return this.call('redrive', () => info.dlq!.redrive(info.url, ids));
  }

  private async counts(url: string): Promise<{ visible: number; hidden: number }> {
    const out = await this.call('queue attributes', () =>
      this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      ),
    );
    const a = out.Attributes ?? {};
    return {
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      hidden: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  /** ChangeMessageVisibility; false when the receipt is no longer the message's current one. */
  private async changeVisibility(queue: string, receipt: string, simulatedMs: number): Promise<boolean> {
    const { url } = await this.queue(queue);
    try {
      await this.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: receipt,
          VisibilityTimeout: this.seconds.visibility(simulatedMs),
        }),
      );
      return true;
    } catch (error) {
      if (STALE.has((error as Error).name)) {
        this.deliveries.delete(receipt);
        return false;
      }
      throw busUnavailable('change visibility', error);
    }
  }

  private remember(message: BusMessage, queue: string): void {
    this.deliveries.set(message.receipt, { message, queue });
    // Deliveries whose worker died are never acked: forget the oldest beyond a bound.
    if (this.deliveries.size > MAX_REMEMBERED) {
      const oldest = this.deliveries.keys().next().value;
      if (oldest !== undefined) this.deliveries.delete(oldest);
    }
  }

  private queue(name: string): Promise<QueueInfo> {
    return this.call(`look up queue ${name}`, () => this.directory.queue(name));
  }

  private topicArn(topic: string): Promise<string> {
    return this.call(`look up topic ${topic}`, () => this.directory.topicArn(topic));
  }

  /** Runs an SDK call; failures become a retryable `bus_unavailable` naming what was attempted. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw busUnavailable(what, error);
    }
  }
}
