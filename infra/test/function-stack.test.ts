import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { logicalId, propertiesOf, roleAllows, synthesize } from './synth.js';

// `-c processor=function`, synthesized once; the database wiring is checked on a second variant below.
const synth = synthesize({ processor: 'function' });
const t = synth.template;
after(() => synth.dispose());

const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

const topic = logicalId(t, 'AWS::SNS::Topic', { TopicName: 'order-processing-events' });
const fn = logicalId(t, 'AWS::Lambda::Function', { PackageType: 'Image' });
const failed = logicalId(t, 'AWS::SQS::Queue', { QueueName: 'order-processing-failed' });
const undeliverable = logicalId(t, 'AWS::SQS::Queue', { QueueName: 'order-processing-undeliverable' });

describe('processor as a function (-c processor=function)', () => {
  test('a 512 MB function running dist/serverless/handler.js `handler`, with a timeout well above the 3 s payment', () => {
    t.resourceCountIs('AWS::Lambda::Function', 1);
    const props = t.toJSON().Resources[fn].Properties;
    assert.equal(props.MemorySize, 512);
    assert.ok(props.Timeout >= 10, `timeout ${props.Timeout} s`);
    assert.deepEqual(props.ImageConfig, { Command: ['dist/serverless/handler.handler'] });
    assert.equal(props.Environment.Variables.FLASHSALE_BUS, 'sqs');
    const role = (props.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    assert.ok(roleAllows(t, role, 'sns:Publish', ref(topic)));
    assert.equal(props.VpcConfig, undefined, 'outside the VPC when there is no database to reach');
  });

  test('subscribed directly to the topic, which may invoke it', () => {
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: ref(topic),
      Endpoint: arnOf(fn),
    });
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      SourceArn: ref(topic),
      FunctionName: arnOf(fn),
    });
  });

  test('no order vanishes: two retries, then a failure queue; undeliverable messages go to a dead-letter queue', () => {
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(fn),
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: arnOf(failed) } },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      RedrivePolicy: { deadLetterTargetArn: arnOf(undeliverable) },
    });
    // The function may write to its failure queue, and the topic to its dead-letter queue.
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']), Resource: arnOf(failed) }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(undeliverable)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sqs:SendMessage', Principal: { Service: 'sns.amazonaws.com' } }),
        ]),
      },
    });
  });

  test('replaces the queue and the worker service; the API service stays behind the load balancer', () => {
    const queueNames = propertiesOf(t, 'AWS::SQS::Queue').map((q) => q.QueueName);
    assert.deepEqual(queueNames.sort(), ['order-processing-failed', 'order-processing-undeliverable']);
    t.resourceCountIs('AWS::ECS::Service', 1);
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Command: ['api'] })],
    });
    t.hasOutput('FunctionName', { Value: ref(fn) });
  });

  test('the dashboard follows the function and its failure queues', () => {
    const body = JSON.stringify(propertiesOf(t, 'AWS::CloudWatch::Dashboard')[0]!.DashboardBody);
    for (const metric of ['Invocations', 'Errors', 'Throttles', 'Duration']) assert.ok(body.includes(metric), metric);
    assert.ok(body.includes(`{"Ref":"${fn}"}`), 'plots this function');
    assert.ok(body.includes(`"${failed}","QueueName"`));
    assert.ok(body.includes(`"${undeliverable}","QueueName"`));
  });

  test("the function's image is the Dockerfile's lambda target; the services keep the runtime target", () => {
    const targets = Object.values(synth.dockerImages).map((image) => image.source.dockerBuildTarget);
    assert.deepEqual(targets.sort(), ['lambda', 'runtime']);
  });
});

describe('with a database (-c processor=function -c database=postgres)', () => {
  const withDb = synthesize({ processor: 'function', database: true });
  after(() => withDb.dispose());
  const d = withDb.template;
  const db = logicalId(d, 'AWS::RDS::DBInstance', { Engine: 'postgres' });
  const dbFn = logicalId(d, 'AWS::Lambda::Function', { PackageType: 'Image' });
  const privateSubnets = ['10.0.10.0/24', '10.0.11.0/24'].map((cidr) =>
    logicalId(d, 'AWS::EC2::Subnet', { CidrBlock: cidr }),
  );

  test('the function joins the private subnets and reaches PostgreSQL through PG* settings', () => {
    const props = d.toJSON().Resources[dbFn].Properties;
    assert.deepEqual(props.VpcConfig.SubnetIds, privateSubnets.map(ref));
    const vars = props.Environment.Variables;
    assert.equal(vars.FLASHSALE_STORE, 'postgres');
    const url = JSON.stringify(vars.DATABASE_URL);
    assert.ok(url.includes(JSON.stringify({ 'Fn::GetAtt': [db, 'Endpoint.Address'] })), url);
    assert.match(url, /\/flashsale\?sslmode=no-verify/);
    assert.match(JSON.stringify(vars.PGUSER), /resolve:secretsmanager:.*:username::/);
    assert.match(JSON.stringify(vars.PGPASSWORD), /resolve:secretsmanager:.*:password::/);
  });

  test("the database's security group admits the function and the API service", () => {
    const ingress = propertiesOf(d, 'AWS::EC2::SecurityGroupIngress').filter(
      (rule) => JSON.stringify(rule.FromPort) === JSON.stringify({ 'Fn::GetAtt': [db, 'Endpoint.Port'] }),
    );
    const sources = ingress.map((rule) => JSON.stringify(rule.SourceSecurityGroupId)).sort();
    assert.equal(sources.length, 2);
    assert.ok(sources.some((s) => s.includes('ProcessorFunctionSecurityGroup')));
    assert.ok(sources.some((s) => s.includes('ApiServiceSecurityGroup')));
  });
});
