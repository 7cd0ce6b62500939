import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Clock } from '../core/clock.js';
import type { BusMessage, DeadLetter } from '../core/ports.js';

export interface DeadLetterQueueOptions {
  /** URL of the dead-letter queue. */
  url: string;
  /** The source queue's maxReceiveCount, reported for messages SQS moved by itself. */
  maxReceiveCount: number;
  /** Long-poll seconds of the receive that ends a sweep. */
  sweepWaitSeconds: number;
}

/** Real seconds a message stays hidden while a sweep looks at the queue. */
const SWEEP_VISIBILITY_S = 30;
const ATTR = {
  reason: 'flashsale-reason',
  deadAt: 'flashsale-dead-lettered-at',
  receiveCount: 'flashsale-receive-count',
  sentAt: 'flashsale-sent-at',
} as const;

/**
 * One queue's dead-letter queue. SQS can neither move a message there on
 * request nor show messages without receiving them, so: dead-lettering sends
 * a copy (with the reason as attributes) before the caller deletes the
 * original; listing and redriving receive the messages, act, and make the
 * others visible again. All of it works on AWS and on emulators without
 * StartMessageMoveTask.
 */
export class DeadLetterQueue {
  constructor(
    private readonly deps: { sqs: SQSClient; clock: Clock },
    private readonly opts: DeadLetterQueueOptions,
  ) {}

  get url(): string {
    return this.opts.url;
  }

  async add(message: BusMessage, reason: string, at: number): Promise<void> {
    const text = (value: string | number): MessageAttributeValue => ({
      DataType: 'String',
      StringValue: String(value),
    });
    await this.deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.opts.url,
        MessageBody: message.body,
        MessageAttributes: {
          [ATTR.reason]: text(reason.slice(0, 1000) || 'dead-lettered'),
          [ATTR.deadAt]: text(at),
          [ATTR.receiveCount]: text(message.receiveCount),
          [ATTR.sentAt]: text(message.sentAt),
        },
      }),
    );
  }

  async list(limit: number): Promise<DeadLetter[]> {
    const seen: Message[] = [];
    try {
      while (seen.length < limit) {
        const batch = await this.receiveBatch(Math.min(10, limit - seen.length));
        if (batch.length === 0) break;
        seen.push(...batch);
      }
    } finally {
      await this.makeVisible(seen);
    }
    return seen.map((m) => this.toDeadLetter(m));
  }

  /** Sends the chosen dead letters (all when `ids` is undefined) back to `targetUrl`; resolves to how many. */
  async redrive(targetUrl: string, ids?: readonly string[]): Promise<number> {
    const wanted = ids ? new Set(ids) : undefined;
    const others: Message[] = [];
    let moved = 0;
    try {
      while (!wanted || wanted.size > 0) {
        const batch = await this.receiveBatch(10);
        if (batch.length === 0) break;
        const chosen = batch.filter((m) => !wanted || wanted.has(m.MessageId ?? ''));
        others.push(...batch.filter((m) => !chosen.includes(m)));
        if (chosen.length === 0) continue;
        const sent = await this.deps.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: targetUrl,
            Entries: chosen.map((m, i) => ({ Id: String(i), MessageBody: m.Body ?? '' })),
          }),
        );
        // Only what reached the source queue leaves the dead-letter queue.
        const ok = new Set((sent.Successful ?? []).map((s) => Number(s.Id)));
        const done = chosen.filter((_, i) => ok.has(i));
        others.push(...chosen.filter((_, i) => !ok.has(i)));
        if (done.length > 0) {
          await this.deps.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: this.opts.url,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
            }),
          );
        }
        moved += done.length;
        for (const m of done) wanted?.delete(m.MessageId ?? '');
      }
    } finally {
      await this.makeVisible(others);
    }
    return moved;
  }

  /** A short poll first; only when it finds nothing, one long poll to be sure the queue is empty. */
  private async receiveBatch(max: number): Promise<Message[]> {
    const waits = this.opts.sweepWaitSeconds > 0 ? [0, this.opts.sweepWaitSeconds] : [0];
    for (const wait of waits) {
      const out = await this.deps.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.opts.url,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: wait,
          VisibilityTimeout: SWEEP_VISIBILITY_S,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      if (out.Messages && out.Messages.length > 0) return out.Messages;
    }
    return [];
  }

  private async makeVisible(messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      await this.deps.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.opts.url,
          Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle ?? '', VisibilityTimeout: 0 })),
        }),
      );
    }
  }

  private toDeadLetter(m: Message): DeadLetter {
    const attr = (name: string) => m.MessageAttributes?.[name]?.StringValue;
    const deadAt = attr(ATTR.deadAt);
    return {
      id: m.MessageId ?? '',
      body: m.Body ?? '',
      receiveCount: Number(attr(ATTR.receiveCount) ?? this.opts.maxReceiveCount),
      sentAt: Number(attr(ATTR.sentAt) ?? m.Attributes?.SentTimestamp ?? this.deps.clock.now()),
      // Messages SQS moved by itself carry no reason: they exceeded the redrive policy.
      reason: attr(ATTR.reason) ?? `received ${this.opts.maxReceiveCount} times without being processed`,
      ...(deadAt !== undefined ? { deadLetteredAt: Number(deadAt) } : {}),
    };
  }
}
