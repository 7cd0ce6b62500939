import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type RuntimeWiring, runtimeEnvironment } from './environment.js';
import type { OrderMessaging } from './messaging.js';
import { PRIVATE_SUBNETS, PUBLIC_SUBNETS } from './network.js';

/** The port `flashsale api|worker|serve` listen on (PORT, default 8080 in src/config/config.ts). */
export const CONTAINER_PORT = 8080;

/** GET /health from inside the container (Node has fetch; the slim image has no curl). */
const LIVENESS_PROBE =
  "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))";

/** The study's task size: 0.25 vCPU and 512 MB. */
export const TASK_SIZE = { cpu: 256, memoryLimitMiB: 512 } as const;

/** What every flashsale task needs. */
export interface TaskDeps extends RuntimeWiring {
  cluster: ecs.ICluster;
  image: ecs.ContainerImage;
  messaging: OrderMessaging;
}

/** A Fargate task definition running one `flashsale` command with the AWS wiring. */
function flashsaleTask(
  scope: Construct,
  deps: TaskDeps,
  command: string,
  extraEnv: Record<string, string> = {},
): ecs.FargateTaskDefinition {
  const task = new ecs.FargateTaskDefinition(scope, 'Task', TASK_SIZE);
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: logs.RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  task.addContainer('flashsale', {
    image: deps.image,
    command: [command],
    environment: {
      ...runtimeEnvironment(deps),
      // flashsale binds 127.0.0.1 unless told otherwise; the load balancer reaches the task's own address.
      HOST: '0.0.0.0',
      PORT: String(CONTAINER_PORT),
      AWS_REGION: Stack.of(scope).region,
      ...extraEnv,
    },
    secrets: deps.database
      ? {
          PGUSER: ecs.Secret.fromSecretsManager(deps.database.secret, 'username'),
          PGPASSWORD: ecs.Secret.fromSecretsManager(deps.database.secret, 'password'),
        }
      : undefined,
    portMappings: [{ containerPort: CONTAINER_PORT }],
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: command }),
    // Liveness, as the image's HEALTHCHECK: ECS replaces a task whose process stopped answering.
    // Whether it gets traffic is the load balancer's readiness check (/ready), which never restarts it.
    healthCheck: {
      command: ['CMD', 'node', '-e', LIVENESS_PROBE],
      interval: Duration.seconds(10),
      timeout: Duration.seconds(3),
      startPeriod: Duration.seconds(10),
      retries: 3,
    },
  });
  return task;
}

function fargateService(scope: Construct, deps: TaskDeps, task: ecs.FargateTaskDefinition, desiredCount: number) {
  const service = new ecs.FargateService(scope, 'Service', {
    cluster: deps.cluster,
    taskDefinition: task,
    desiredCount,
    vpcSubnets: { subnetGroupName: PRIVATE_SUBNETS },
    assignPublicIp: false,
    // Deploys start the new tasks before stopping the old ones: capacity never dips mid-sale.
    minHealthyPercent: 100,
    // A task that never turns healthy rolls the deployment back instead of retrying for hours.
    circuitBreaker: { rollback: true },
  });
  if (deps.database) deps.database.instance.connections.allowDefaultPortFrom(service);
  return service;
}

/** Options of {@link ApiService}. */
export interface ApiServiceOptions {
  /** Tasks behind the load balancer. Default 2. */
  desiredCount?: number;
}

/** `flashsale api` on Fargate behind an internet-facing Application Load Balancer. */
export class ApiService extends Construct {
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;

  constructor(scope: Construct, id: string, deps: TaskDeps, options: ApiServiceOptions = {}) {
    super(scope, id);
    const task = flashsaleTask(this, deps, 'api');
    deps.messaging.grantPublish(task.taskRole);
    this.service = fargateService(this, deps, task, options.desiredCount ?? 2);

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: deps.cluster.vpc,
      internetFacing: true,
      vpcSubnets: { subnetGroupName: PUBLIC_SUBNETS },
    });
    const listener = this.loadBalancer.addListener('Http', { port: 80, open: true });
    this.targetGroup = listener.addTargets('Api', {
      port: CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service],
      // Readiness: a task whose store or outbox does not answer, or that is shutting down, gets no orders.
      healthCheck: { path: '/ready', interval: Duration.seconds(10), healthyThresholdCount: 2 },
      // Accepting an order takes milliseconds; a short drain makes deploys and teardown quicker.
      deregistrationDelay: Duration.seconds(10),
    });
  }
}

/** Options of {@link ProcessorService}. */
export interface ProcessorServiceOptions {
  /** Concurrent workers inside one task. Default 20. */
  workersPerTask?: number;
  /** Most tasks the backlog scaling may run. Default 10. */
  maxTasks?: number;
}

/** `flashsale worker` on Fargate, polling the queue, scaled on its backlog. */
export class ProcessorService extends Construct {
  readonly service: ecs.FargateService;

  constructor(scope: Construct, id: string, deps: TaskDeps, options: ProcessorServiceOptions = {}) {
    super(scope, id);
    const queue = deps.messaging.queue;
    if (!queue) throw new Error('the worker service needs the order queue');
    const task = flashsaleTask(this, deps, 'worker', {
      FLASHSALE_WORKERS: String(options.workersPerTask ?? 20),
    });
    deps.messaging.grantProcess(task.taskRole);
    this.service = fargateService(this, deps, task, 1);

    const scaling = this.service.autoScaleTaskCount({ minCapacity: 1, maxCapacity: options.maxTasks ?? 10 });
    // Step scaling on visible messages: one task per hundred waiting, faster when the backlog runs away
    // (a flash sale adds ~60 orders/s); back to one task once the queue is empty.
    scaling.scaleOnMetric('QueueBacklog', {
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      scalingSteps: [
        { upper: 0, change: -1 },
        { lower: 100, change: +1 },
        { lower: 1000, change: +3 },
      ],
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.seconds(60),
    });
  }
}

/** The cluster both services run in. */
export function createCluster(scope: Construct, vpc: ec2.IVpc): ecs.Cluster {
  return new ecs.Cluster(scope, 'Cluster', { vpc });
}
