import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { contextSources, parseDockerfile } from '../../test/container/dockerfile.js';
import { REPO_ROOT } from '../lib/flashsale-stack.js';
import { logicalId, propertiesOf, roleAllows, synthesize } from './synth.js';

// The default variant (worker service on a queue, no database), synthesized once for the whole file.
const synth = synthesize();
const t = synth.template;
after(() => synth.dispose());

const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

interface Container {
  Command: string[];
  Environment: Array<{ Name: string; Value: unknown }>;
  PortMappings: Array<{ ContainerPort: number }>;
  Image: unknown;
}
const tasks = Object.entries(t.findResources('AWS::ECS::TaskDefinition')).map(([id, r]) => {
  const props = (r as { Properties: Record<string, unknown> }).Properties;
  const defs = props.ContainerDefinitions as Container[];
  assert.equal(defs.length, 1);
  return { id, props, container: defs[0]! };
});
const taskRunning = (command: string) => {
  const found = tasks.find((c) => c.container.Command[0] === command);
  assert.ok(found, `a task running flashsale ${command}`);
  return found;
};
const env = (c: Container) => Object.fromEntries(c.Environment.map((e) => [e.Name, e.Value]));
const roleOf = (task: Record<string, unknown>) =>
  (task.TaskRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
const serviceOf = (taskId: string) => logicalId(t, 'AWS::ECS::Service', { TaskDefinition: ref(taskId) });

const vpc = logicalId(t, 'AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
const subnet = (cidr: string) => logicalId(t, 'AWS::EC2::Subnet', { CidrBlock: cidr, VpcId: ref(vpc) });
const publicSubnets = ['10.0.1.0/24', '10.0.2.0/24'].map(subnet);
const privateSubnets = ['10.0.10.0/24', '10.0.11.0/24'].map(subnet);
const topic = logicalId(t, 'AWS::SNS::Topic', { TopicName: 'order-processing-events' });
const queue = logicalId(t, 'AWS::SQS::Queue', { QueueName: 'order-processing-queue' });
const dlq = logicalId(t, 'AWS::SQS::Queue', { QueueName: 'order-processing-queue-dlq' });

describe('network', () => {
  test("a 10.0.0.0/16 VPC with exactly the study's four subnets, one of each kind per zone", () => {
    t.resourceCountIs('AWS::EC2::VPC', 1);
    t.resourceCountIs('AWS::EC2::Subnet', 4);
    const zone = (id: string) => JSON.stringify(t.toJSON().Resources[id].Properties.AvailabilityZone);
    assert.notEqual(zone(publicSubnets[0]!), zone(publicSubnets[1]!));
    assert.equal(zone(publicSubnets[0]!), zone(privateSubnets[0]!));
    assert.equal(zone(publicSubnets[1]!), zone(privateSubnets[1]!));
  });

  test('public subnets route to the internet gateway, private ones only out through one NAT gateway', () => {
    t.resourceCountIs('AWS::EC2::NatGateway', 1);
    const resources = t.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const defaultRoute = (subnetId: string) => {
      const table = Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::EC2::SubnetRouteTableAssociation' &&
          JSON.stringify(r.Properties.SubnetId) === JSON.stringify(ref(subnetId)),
      )?.Properties.RouteTableId;
      const route = Object.values(resources).find(
        (r) => r.Type === 'AWS::EC2::Route' && JSON.stringify(r.Properties.RouteTableId) === JSON.stringify(table),
      );
      assert.ok(route, `a default route for ${subnetId}`);
      return route.Properties;
    };
    for (const id of publicSubnets) {
      assert.equal(resources[id]!.Properties.MapPublicIpOnLaunch, true);
      assert.ok('GatewayId' in defaultRoute(id), `${id} routes to the internet gateway`);
    }
    for (const id of privateSubnets) {
      assert.equal(resources[id]!.Properties.MapPublicIpOnLaunch, false);
      const route = defaultRoute(id);
      assert.ok('NatGatewayId' in route && !('GatewayId' in route), `${id} routes through the NAT gateway only`);
    }
  });
});

describe('load balancer and API service', () => {
  const api = taskRunning('api');
  const apiService = serviceOf(api.id);

  test('an internet-facing ALB in the public subnets, HTTP on 80, routing by readiness (/ready)', () => {
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    const lb = logicalId(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Type: 'application',
      Subnets: publicSubnets.map(ref),
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      LoadBalancerArn: ref(lb),
      Port: 80,
      Protocol: 'HTTP',
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/ready',
      Port: 8080,
      TargetType: 'ip',
    });
    t.hasOutput('LoadBalancerUrl', {
      Value: { 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [lb, 'DNSName'] }]] },
    });
  });

  test('two Fargate tasks of 256 CPU units and 512 MB run `flashsale api` in the private subnets behind it', () => {
    assert.deepEqual(
      { cpu: api.props.Cpu, memory: api.props.Memory, compat: api.props.RequiresCompatibilities },
      { cpu: '256', memory: '512', compat: ['FARGATE'] },
    );
    assert.equal(api.container.PortMappings[0]?.ContainerPort, 8080);
    t.hasResourceProperties('AWS::ECS::Service', {
      TaskDefinition: ref(api.id),
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      LoadBalancers: [Match.objectLike({ ContainerPort: 8080 })],
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED', Subnets: privateSubnets.map(ref) }),
      },
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
    });
    assert.ok(apiService);
  });

  test('the API publishes to the topic and reads queue depth, with the SQS bus configured by environment', () => {
    const vars = env(api.container);
    assert.equal(vars.FLASHSALE_BUS, 'sqs');
    assert.equal(vars.FLASHSALE_STORE, 'sqlite');
    assert.equal(vars.PORT, String(api.container.PortMappings[0]?.ContainerPort), 'listens on the mapped port');
    const role = roleOf(api.props);
    assert.ok(roleAllows(t, role, 'sns:Publish', ref(topic)));
    assert.ok(roleAllows(t, role, 'sns:ListTopics', '*'), 'the bus finds the topic by name');
    assert.ok(roleAllows(t, role, 'sqs:GetQueueAttributes', arnOf(queue)));
    assert.ok(roleAllows(t, role, 'sqs:GetQueueAttributes', arnOf(dlq)));
    assert.ok(!roleAllows(t, role, 'sqs:ReceiveMessage', arnOf(queue)), 'the API does not take orders off the queue');
  });
});

describe('both tasks', () => {
  test('ECS restarts a task by liveness (/health), apart from the load balancer’s readiness', () => {
    for (const command of ['api', 'worker']) {
      const { container } = taskRunning(command);
      const check = (container as unknown as { HealthCheck: { Command: string[] } }).HealthCheck;
      assert.equal(check.Command[0], 'CMD', command);
      assert.match(check.Command.join(' '), /\/health'/, command);
      assert.doesNotMatch(check.Command.join(' '), /\/ready/, command);
    }
  });

  test('listen on every interface of the task (HOST=0.0.0.0), where the load balancer reaches them', () => {
    // flashsale binds 127.0.0.1 by default; a task left on it would fail every health check.
    for (const command of ['api', 'worker']) {
      assert.equal(env(taskRunning(command).container).HOST, '0.0.0.0', command);
    }
  });
});

describe('topic and queue', () => {
  test("the study's queue: 30 s visibility, 4 days retention, 20 s long poll, dead letters after 5 receives", () => {
    t.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'order-processing-queue',
      VisibilityTimeout: 30,
      MessageRetentionPeriod: 4 * 24 * 3600,
      ReceiveMessageWaitTimeSeconds: 20,
      RedrivePolicy: { deadLetterTargetArn: arnOf(dlq), maxReceiveCount: 5 },
    });
  });

  test('the queue is subscribed to the topic with raw delivery, and the topic may send to it', () => {
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      TopicArn: ref(topic),
      Endpoint: arnOf(queue),
      RawMessageDelivery: true,
    });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(queue)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': ref(topic) } },
            Principal: { Service: 'sns.amazonaws.com' },
          }),
        ]),
      },
    });
  });
});

describe('processor service', () => {
  const worker = taskRunning('worker');
  const workerService = serviceOf(worker.id);

  test('one Fargate task of 256 CPU units and 512 MB runs `flashsale worker` with 20 workers on the queue', () => {
    assert.deepEqual([worker.props.Cpu, worker.props.Memory], ['256', '512']);
    assert.equal(env(worker.container).FLASHSALE_WORKERS, '20');
    assert.equal(env(worker.container).FLASHSALE_BUS, 'sqs');
    t.hasResourceProperties('AWS::ECS::Service', {
      TaskDefinition: ref(worker.id),
      DesiredCount: 1,
      LaunchType: 'FARGATE',
    });
    const role = roleOf(worker.props);
    for (const action of ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage']) {
      assert.ok(roleAllows(t, role, action, arnOf(queue)), action);
    }
    // Dead-lettering sends a copy to the DLQ; redriving receives it there and sends it back.
    for (const action of ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']) {
      assert.ok(roleAllows(t, role, action, arnOf(dlq)), `${action} on the DLQ`);
    }
    assert.ok(roleAllows(t, role, 'sqs:SendMessage', arnOf(queue)));
  });

  test('scales between 1 and 10 tasks on the visible backlog: out from 100 messages, in when empty', () => {
    const target = logicalId(t, 'AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 10,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    const resourceId = JSON.stringify(t.toJSON().Resources[target].Properties.ResourceId);
    assert.ok(resourceId.includes(workerService), 'the scalable target is the worker service');
    const alarm = (operator: string, threshold: number) =>
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
        ComparisonOperator: operator,
        Threshold: threshold,
      });
    alarm('GreaterThanOrEqualToThreshold', 100);
    alarm('LessThanOrEqualToThreshold', 0);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      ScalingTargetId: ref(target),
      StepScalingPolicyConfiguration: Match.objectLike({
        StepAdjustments: Match.arrayWith([Match.objectLike({ ScalingAdjustment: 3 })]),
      }),
    });
  });
});

describe('what the default variant leaves out, and what it builds', () => {
  test('no function, no database', () => {
    t.resourceCountIs('AWS::Lambda::Function', 0);
    t.resourceCountIs('AWS::RDS::DBInstance', 0);
  });

  test('a dashboard of queue depth: visible, in flight and dead letters', () => {
    const body = JSON.stringify(
      (propertiesOf(t, 'AWS::CloudWatch::Dashboard')[0] as { DashboardBody: unknown }).DashboardBody,
    );
    t.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'flashsale' });
    for (const metric of ['ApproximateNumberOfMessagesVisible', 'ApproximateNumberOfMessagesNotVisible']) {
      assert.ok(body.includes(metric), metric);
    }
    assert.ok(body.includes(`"${queue}","QueueName"`), 'plots the order queue');
    assert.ok(body.includes(`"${dlq}","QueueName"`), 'plots the dead-letter queue');
  });

  test("both services run one image, built from the repository's Dockerfile (target runtime) on deploy", () => {
    const images = Object.values(synth.dockerImages);
    assert.equal(images.length, 1);
    assert.equal(images[0]!.source.dockerBuildTarget, 'runtime');
    assert.deepEqual(taskRunning('api').container.Image, taskRunning('worker').container.Image);
    // The staged build context is what .dockerignore lets through: manifests and sources only.
    const staged = synth.stagedContext(images[0]!.source);
    for (const file of [
      'Dockerfile',
      'package.json',
      'package-lock.json',
      'tsconfig.build.json',
      'scripts/build.mjs',
    ]) {
      assert.ok(staged.includes(file), file);
    }
    assert.ok(staged.some((f) => f.startsWith('src/')));
    // Every COPY from the context finds its files there, so .dockerignore lets through all the build reads.
    for (const s of parseDockerfile(join(REPO_ROOT, 'Dockerfile')).stages) {
      for (const source of s.instructions.filter((i) => i.op === 'COPY').flatMap(contextSources)) {
        assert.ok(staged.includes(source) || staged.some((f) => f.startsWith(`${source}/`)), `${source} is staged`);
      }
    }
    assert.ok(!staged.some((f) => /^(node_modules|dist|test|infra|data)\//.test(f)), staged.join(' '));
  });
});
