import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export const DASHBOARD_NAME = 'flashsale';

/** What the dashboard plots; the processor parts are those of the variant deployed. */
export interface DashboardDeps {
  loadBalancer: elbv2.ApplicationLoadBalancer;
  queue?: sqs.IQueue;
  deadLetterQueue?: sqs.IQueue;
  processorService?: ecs.FargateService;
  processorFunction?: lambda.IFunction;
  failureQueues?: sqs.IQueue[];
}

/** Options of {@link FlashsaleDashboard}. */
export interface DashboardOptions {
  /** Sampling period of every graph. Default 1 minute, the finest SQS publishes. */
  period?: Duration;
}

/** The study's graph to watch, queue depth over time, beside what feeds and drains the queue. */
export class FlashsaleDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, deps: DashboardDeps, options: DashboardOptions = {}) {
    super(scope, id);
    const period = options.period ?? Duration.minutes(1);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: DASHBOARD_NAME });

    const lb = deps.loadBalancer.metrics;
    const requests = new cloudwatch.GraphWidget({
      title: 'Requests at the load balancer',
      left: [lb.requestCount({ period, statistic: 'Sum' })],
      right: [lb.targetResponseTime({ period, statistic: 'p99' })],
      width: 12,
    });

    if (deps.queue) {
      const depth = new cloudwatch.GraphWidget({
        title: 'Queue depth (order-processing-queue)',
        left: [
          deps.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: 'visible' }),
          deps.queue.metricApproximateNumberOfMessagesNotVisible({ period, statistic: 'Maximum', label: 'in flight' }),
          ...(deps.deadLetterQueue
            ? [deps.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, label: 'dead letters' })]
            : []),
        ],
        right: [deps.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum', label: 'oldest (s)' })],
        width: 12,
      });
      this.dashboard.addWidgets(depth, requests);
    } else {
      this.dashboard.addWidgets(requests);
    }

    if (deps.processorService) {
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Processor tasks',
          left: [deps.processorService.metricCpuUtilization({ period })],
          right: [deps.processorService.metricMemoryUtilization({ period })],
          width: 12,
        }),
      );
    }
    if (deps.processorFunction) {
      const fn = deps.processorFunction;
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Processor function',
          left: [fn.metricInvocations({ period }), fn.metricErrors({ period }), fn.metricThrottles({ period })],
          right: [fn.metricDuration({ period, statistic: 'p99' })],
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: 'Orders kept after failing',
          left: (deps.failureQueues ?? []).map((q) =>
            q.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
          ),
          width: 12,
        }),
      );
    }
  }
}
