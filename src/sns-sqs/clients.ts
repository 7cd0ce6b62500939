import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { FlashsaleError } from '../core/errors.js';

/** Where the clients connect, and as whom (see SqsBusOptions). */
export interface AwsClientOptions {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** The SQS and SNS clients of one bus, with timeouts and connection pools sized for its traffic. */
export function awsClients(options: AwsClientOptions): { sqs: SQSClient; sns: SNSClient } {
  const common = {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 3,
  };
  // Long polls hold a request up to 20 s: the timeout must outlast them.
  const sqs = new SQSClient({
    ...common,
    useQueueUrlAsEndpoint: false,
    requestHandler: {
      connectionTimeout: 3000,
      requestTimeout: 30_000,
      httpAgent: { keepAlive: true, maxSockets: 256 },
    },
  });
  const sns = new SNSClient({
    ...common,
    requestHandler: {
      connectionTimeout: 3000,
      requestTimeout: 10_000,
      httpAgent: { keepAlive: true, maxSockets: 64 },
    },
  });
  return { sqs, sns };
}

/** An SDK call's failure as a retryable `bus_unavailable` naming what was attempted. */
export function busUnavailable(what: string, error: unknown): unknown {
  if (error instanceof FlashsaleError) return error;
  const message = error instanceof Error ? error.message || error.name : String(error);
  return new FlashsaleError('bus_unavailable', `SNS/SQS ${what} failed: ${message}`, true, { cause: error });
}

/** A body delivered without raw delivery arrives wrapped in SNS's envelope; take the message out of it. */
export function unwrapEnvelope(body: string): string {
  if (!body.startsWith('{') || !body.includes('"Notification"')) return body;
  try {
    const envelope = JSON.parse(body) as { Type?: string; Message?: unknown; TopicArn?: unknown };
    if (envelope.Type === 'Notification' && typeof envelope.Message === 'string' && envelope.TopicArn) {
      return envelope.Message;
    }
  } catch {
    // Not an envelope after all.
  }
  return body;
}
