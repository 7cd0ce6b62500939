import { type Command, Option } from 'commander';
import {
  type ConfigOverrides,
  configFromEnv,
  parseNumber,
  resolveConfig,
  type ServiceConfig,
} from '../config/config.js';
import { addResilienceFlags, type ResilienceFlags, resilienceOverrides } from './resilience-flags.js';

/** Adds the flags every service process shares; each names its env var and default. */
export function addServiceFlags(command: Command): Command {
  command
    .addOption(new Option('--port <n>', 'HTTP port (0 = any free port) [env PORT]').default(undefined, '8080'))
    .addOption(new Option('--host <addr>', 'interface to listen on [env HOST]').default(undefined, '0.0.0.0'))
    .addOption(new Option('--db <file>', 'SQLite file [env FLASHSALE_DB]').default(undefined, './data/flashsale.db'))
    .addOption(
      new Option(
        '--time-scale <x>',
        'multiply every simulated duration; 0.01 = 100× faster [env FLASHSALE_TIME_SCALE]',
      ).default(undefined, '1'),
    )
    .addOption(
      new Option('--workers <n>', 'concurrent processor workers [env FLASHSALE_WORKERS]').default(undefined, '1'),
    )
    .addOption(
      new Option(
        '--processor <kind>',
        'queue (workers poll the queue) or push (each message goes to the serverless handler) [env FLASHSALE_PROCESSOR]',
      ).default(undefined, 'queue'),
    )
    .addOption(
      new Option(
        '--push-concurrency <n>',
        'push: handler invocations at once, 0 = unlimited [env FLASHSALE_PUSH_CONCURRENCY]',
      ).default(undefined, '1000'),
    )
    .addOption(
      new Option('--push-retries <n>', 'push: retries of a failed invocation [env FLASHSALE_PUSH_RETRIES]').default(
        undefined,
        '2',
      ),
    )
    .addOption(
      new Option(
        '--push-retry-delay <ms>',
        'push: simulated ms before the first retry, doubling after [env FLASHSALE_PUSH_RETRY_DELAY_MS]',
      ).default(undefined, '60000'),
    )
    .addOption(
      new Option(
        '--push-failure-destination',
        'push: keep a message that failed every attempt as a dead letter instead of dropping it [env FLASHSALE_PUSH_FAILURE_DESTINATION]',
      ),
    )
    .addOption(
      new Option('--payment-latency <ms>', 'simulated ms per payment [env FLASHSALE_PAYMENT_LATENCY_MS]').default(
        undefined,
        '3000',
      ),
    )
    .addOption(
      new Option('--payment-jitter <ms>', 'random extra ms per payment [env FLASHSALE_PAYMENT_JITTER_MS]').default(
        undefined,
        '0',
      ),
    )
    .addOption(
      new Option('--payment-slots <n>', 'payments at once, 0 = unlimited [env FLASHSALE_PAYMENT_SLOTS]').default(
        undefined,
        '1',
      ),
    )
    .addOption(
      new Option('--decline-rate <0-1>', 'share of payments declined [env FLASHSALE_DECLINE_RATE]').default(
        undefined,
        '0',
      ),
    )
    .addOption(
      new Option('--error-rate <0-1>', 'share of payments failing [env FLASHSALE_ERROR_RATE]').default(undefined, '0'),
    )
    .addOption(
      new Option(
        '--visibility-timeout <ms>',
        'simulated ms a received message stays hidden [env FLASHSALE_VISIBILITY_TIMEOUT_MS]',
      ).default(undefined, '30000'),
    )
    .addOption(
      new Option(
        '--max-receive-count <n>',
        'deliveries before dead-lettering [env FLASHSALE_MAX_RECEIVE_COUNT]',
      ).default(undefined, '5'),
    )
    .addOption(
      new Option('--store <kind>', 'sqlite or postgres (needs --database-url) [env FLASHSALE_STORE]').default(
        undefined,
        'sqlite',
      ),
    )
    .addOption(
      new Option('--bus <kind>', 'embedded or sqs (AWS SNS + SQS) [env FLASHSALE_BUS]').default(undefined, 'embedded'),
    )
    .addOption(new Option('--database-url <url>', 'PostgreSQL connection string [env DATABASE_URL]'))
    .addOption(
      new Option('--gateway-url <url>', 'payment gateway process; unset = in-process [env FLASHSALE_GATEWAY_URL]'),
    )
    .addOption(new Option('--aws-endpoint <url>', 'SNS/SQS endpoint, for emulators [env AWS_ENDPOINT_URL]'))
    .addOption(new Option('--aws-region <region>', 'AWS region [env AWS_REGION]'))
    .addOption(
      new Option('--provision', 'create the topic, queues and subscription when missing [env FLASHSALE_PROVISION]'),
    )
    .addOption(new Option('--smtp-url <url>', 'send notification emails through this SMTP server [env SMTP_URL]'))
    .addOption(
      new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent [env FLASHSALE_LOG_LEVEL]').default(
        undefined,
        'info',
      ),
    );
  return addResilienceFlags(command);
}

export interface ServiceFlags extends ResilienceFlags {
  port?: string;
  host?: string;
  db?: string;
  timeScale?: string;
  workers?: string;
  processor?: string;
  pushConcurrency?: string;
  pushRetries?: string;
  pushRetryDelay?: string;
  pushFailureDestination?: boolean;
  paymentLatency?: string;
  paymentJitter?: string;
  paymentSlots?: string;
  declineRate?: string;
  errorRate?: string;
  visibilityTimeout?: string;
  maxReceiveCount?: string;
  smtpUrl?: string;
  logLevel?: string;
  store?: string;
  bus?: string;
  databaseUrl?: string;
  gatewayUrl?: string;
  awsEndpoint?: string;
  awsRegion?: string;
  provision?: boolean;
}

export function overridesFromFlags(flags: ServiceFlags): ConfigOverrides {
  const int = { integer: true, min: 0 };
  return {
    host: flags.host,
    port: parseNumber('--port', flags.port, { integer: true, min: 0, max: 65535 }),
    dbPath: flags.db,
    timeScale: parseNumber('--time-scale', flags.timeScale, { positive: true }),
    workers: parseNumber('--workers', flags.workers, int),
    processor: flags.processor as ServiceConfig['processor'] | undefined,
    push: {
      concurrency: parseNumber('--push-concurrency', flags.pushConcurrency, int),
      retries: parseNumber('--push-retries', flags.pushRetries, int),
      retryDelayMs: parseNumber('--push-retry-delay', flags.pushRetryDelay, { min: 0 }),
      failureDestination: flags.pushFailureDestination,
    },
    payment: {
      latencyMs: parseNumber('--payment-latency', flags.paymentLatency, { min: 0 }),
      jitterMs: parseNumber('--payment-jitter', flags.paymentJitter, { min: 0 }),
      slots: parseNumber('--payment-slots', flags.paymentSlots, int),
      declineRate: parseNumber('--decline-rate', flags.declineRate, { min: 0, max: 1 }),
      errorRate: parseNumber('--error-rate', flags.errorRate, { min: 0, max: 1 }),
    },
    queue: {
      visibilityTimeoutMs: parseNumber('--visibility-timeout', flags.visibilityTimeout, { positive: true }),
      maxReceiveCount: parseNumber('--max-receive-count', flags.maxReceiveCount, { integer: true, min: 1 }),
    },
    notify: { smtpUrl: flags.smtpUrl },
    store: flags.store as ServiceConfig['store'] | undefined,
    bus: flags.bus as ServiceConfig['bus'] | undefined,
    databaseUrl: flags.databaseUrl,
    gatewayUrl: flags.gatewayUrl,
    aws: { endpoint: flags.awsEndpoint, region: flags.awsRegion, provision: flags.provision },
    logLevel: flags.logLevel,
    ...resilienceOverrides(flags),
  };
}

/** Defaults < environment < flags; throws a ConfigError naming the bad setting. */
export function configFromCli(flags: ServiceFlags, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return resolveConfig(configFromEnv(env), overridesFromFlags(flags));
}
