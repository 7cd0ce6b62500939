/**
 * The part of the event that SNS hands a subscribed function which the
 * handler reads (field names as AWS sends them). SNS delivers one record per
 * invocation; `Message` is the published body, here an order message's JSON.
 */
export interface SnsMessage {
  Type: 'Notification';
  /** Stable id of the published message: the same on every retry. */
  MessageId: string;
  TopicArn: string;
  Subject?: string | null;
  Message: string;
  /** When the message was published, ISO 8601. */
  Timestamp: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

export interface SnsEventRecord {
  EventSource: 'aws:sns';
  EventVersion: string;
  EventSubscriptionArn: string;
  Sns: SnsMessage;
}

export interface SnsEvent {
  Records: SnsEventRecord[];
}

/** The event SNS would send a function subscribed to `topic` for one published message. */
export function snsEvent(topic: string, message: { id: string; body: string; sentAt: number }): SnsEvent {
  const topicArn = `arn:flashsale:sns:local:000000000000:${topic}`;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:push`,
        Sns: {
          Type: 'Notification',
          MessageId: message.id,
          TopicArn: topicArn,
          Subject: null,
          Message: message.body,
          Timestamp: new Date(message.sentAt).toISOString(),
          MessageAttributes: {},
        },
      },
    ],
  };
}
