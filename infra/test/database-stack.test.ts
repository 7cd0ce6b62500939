import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { logicalId, propertiesOf, synthesize } from './synth.js';

// `-c database=postgres` with the worker service, synthesized once.
const synth = synthesize({ database: true });
const t = synth.template;
after(() => synth.dispose());

const ref = (id: string) => ({ Ref: id });
const db = logicalId(t, 'AWS::RDS::DBInstance', { Engine: 'postgres' });
const secret = logicalId(t, 'AWS::SecretsManager::Secret', {});
const privateSubnets = ['10.0.10.0/24', '10.0.11.0/24'].map((cidr) =>
  logicalId(t, 'AWS::EC2::Subnet', { CidrBlock: cidr }),
);

interface Container {
  Command: string[];
  Environment: Array<{ Name: string; Value: unknown }>;
  Secrets?: Array<{ Name: string; ValueFrom: unknown }>;
}
const containers = propertiesOf(t, 'AWS::ECS::TaskDefinition').map((p) => (p.ContainerDefinitions as Container[])[0]!);

describe('PostgreSQL option (-c database=postgres)', () => {
  test('a small private PostgreSQL 16 instance, encrypted, removed with the stack', () => {
    t.resourceCountIs('AWS::RDS::DBInstance', 1);
    t.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({
        EngineVersion: '16',
        DBInstanceClass: 'db.t4g.micro',
        DBName: 'flashsale',
        PubliclyAccessible: false,
        StorageEncrypted: true,
        MultiAZ: false,
      }),
      DeletionPolicy: 'Delete',
    });
    t.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: privateSubnets.map(ref) });
  });

  test('both tasks get a DATABASE_URL without credentials, and the credentials as ECS secrets', () => {
    assert.deepEqual(containers.map((c) => c.Command[0]).sort(), ['api', 'worker']);
    for (const c of containers) {
      const env = Object.fromEntries(c.Environment.map((e) => [e.Name, e.Value]));
      assert.equal(env.FLASHSALE_STORE, 'postgres');
      assert.deepEqual(env.DATABASE_URL, {
        'Fn::Join': [
          '',
          [
            'postgres://',
            { 'Fn::GetAtt': [db, 'Endpoint.Address'] },
            ':',
            { 'Fn::GetAtt': [db, 'Endpoint.Port'] },
            '/flashsale?sslmode=no-verify',
          ],
        ],
      });
      assert.equal(env.PGPASSWORD, undefined);
      const secrets = Object.fromEntries((c.Secrets ?? []).map((s) => [s.Name, JSON.stringify(s.ValueFrom)]));
      assert.match(secrets.PGUSER ?? '', new RegExp(`${secret}.*:username::`));
      assert.match(secrets.PGPASSWORD ?? '', new RegExp(`${secret}.*:password::`));
    }
  });

  test("only the two services' security groups may reach the database port", () => {
    const port = JSON.stringify({ 'Fn::GetAtt': [db, 'Endpoint.Port'] });
    const sources = propertiesOf(t, 'AWS::EC2::SecurityGroupIngress')
      .filter((rule) => JSON.stringify(rule.FromPort) === port)
      .map((rule) => JSON.stringify(rule.SourceSecurityGroupId));
    assert.equal(sources.length, 2);
    assert.ok(sources.some((s) => s.includes('ApiServiceSecurityGroup')));
    assert.ok(sources.some((s) => s.includes('ProcessorServiceSecurityGroup')));
  });
});
