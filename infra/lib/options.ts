/** How orders are processed once the API has published them to the topic. */
export type ProcessorKind = 'service' | 'function';

/** What the flashsale stack deploys; every field can be set with `cdk … -c name=value`. */
export interface FlashsaleOptions {
  /** 'service': Fargate workers poll the queue; 'function': a Lambda function subscribed to the topic. Default 'service'. */
  processor: ProcessorKind;
  /** Adds a PostgreSQL instance that every task (and the function) shares. Default false (`-c database=postgres`). */
  database: boolean;
  /** Ready-made image for the services (e.g. an ECR URI); unset builds the repository's Dockerfile on deploy. Default unset. */
  image?: string;
  /** API tasks behind the load balancer. Default 2, the study's two tasks. */
  apiTasks: number;
  /** Concurrent workers inside one processor task (FLASHSALE_WORKERS). Default 20. */
  workersPerTask: number;
  /** Upper bound of processor tasks that backlog scaling may run. Default 10. */
  maxProcessorTasks: number;
}

export const DEFAULT_OPTIONS: FlashsaleOptions = {
  processor: 'service',
  database: false,
  apiTasks: 2,
  workersPerTask: 20,
  maxProcessorTasks: 10,
};

/** Builds the options from CDK context values (strings on the command line, any JSON in cdk.json). */
export function optionsFromContext(get: (key: string) => unknown): FlashsaleOptions {
  const processor = text(get('processor')) ?? DEFAULT_OPTIONS.processor;
  if (processor !== 'service' && processor !== 'function') {
    throw new Error(`context "processor" must be "service" or "function", got "${processor}"`);
  }
  const database = text(get('database')) ?? 'none';
  if (database !== 'none' && database !== 'postgres') {
    throw new Error(`context "database" must be "none" or "postgres", got "${database}"`);
  }
  const image = text(get('image'));
  return {
    processor,
    database: database === 'postgres',
    ...(image ? { image } : {}),
    apiTasks: count(get, 'apiTasks', 1) ?? DEFAULT_OPTIONS.apiTasks,
    workersPerTask: count(get, 'workersPerTask', 1) ?? DEFAULT_OPTIONS.workersPerTask,
    maxProcessorTasks: count(get, 'maxProcessorTasks', 1) ?? DEFAULT_OPTIONS.maxProcessorTasks,
  };
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

function count(get: (key: string) => unknown, key: string, min: number): number | undefined {
  const raw = text(get(key));
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`context "${key}" must be an integer ≥ ${min}, got "${raw}"`);
  }
  return value;
}
