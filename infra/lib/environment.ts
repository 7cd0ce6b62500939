import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { OrderDatabase } from './database.js';
import { DATABASE_NAME } from './database.js';

/** What a flashsale process in AWS is wired to. */
export interface RuntimeWiring {
  topic: sns.ITopic;
  /** Absent when a function takes the topic's messages directly. */
  queue?: sqs.IQueue;
  database?: OrderDatabase;
}

/**
 * The environment every flashsale process in AWS starts with: the bus is
 * SNS/SQS, the store PostgreSQL when the stack has one. Connection settings use
 * libpq's PG* names so any PostgreSQL client picks them up unchanged.
 * PGUSER/PGPASSWORD are not here: services get them as ECS secrets, the
 * function as a deploy-time reference (see processor-function.ts).
 */
export function runtimeEnvironment(wiring: RuntimeWiring): Record<string, string> {
  const env: Record<string, string> = {
    FLASHSALE_BUS: 'sns-sqs',
    FLASHSALE_TOPIC_ARN: wiring.topic.topicArn,
    FLASHSALE_STORE: wiring.database ? 'postgres' : 'sqlite',
    FLASHSALE_LOG_LEVEL: 'info',
  };
  if (wiring.queue) env.FLASHSALE_QUEUE_URL = wiring.queue.queueUrl;
  if (wiring.database) {
    env.PGHOST = wiring.database.instance.dbInstanceEndpointAddress;
    env.PGPORT = wiring.database.instance.dbInstanceEndpointPort;
    env.PGDATABASE = DATABASE_NAME;
  }
  return env;
}
