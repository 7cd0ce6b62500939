import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { PRIVATE_SUBNETS } from './network.js';

export const DATABASE_NAME = 'flashsale';

/** Options of {@link OrderDatabase}. */
export interface OrderDatabaseOptions {
  /** Instance class. Default db.t4g.micro, the smallest that runs PostgreSQL 16. */
  instanceType?: ec2.InstanceType;
  /** Storage in GiB. Default 20, the gp3 minimum. */
  allocatedStorageGiB?: number;
}

/**
 * PostgreSQL shared by every task, so an order accepted by one API task can be
 * read back from another and completed by any worker. Torn down with the stack:
 * this is a lab, not a shop's ledger.
 */
export class OrderDatabase extends Construct {
  readonly instance: rds.DatabaseInstance;
  readonly secret: rds.DatabaseSecret;

  constructor(scope: Construct, id: string, deps: { vpc: ec2.IVpc }, options: OrderDatabaseOptions = {}) {
    super(scope, id);
    this.secret = new rds.DatabaseSecret(this, 'Secret', { username: 'flashsale' });
    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      instanceType: options.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      allocatedStorage: options.allocatedStorageGiB ?? 20,
      storageType: rds.StorageType.GP3,
      vpc: deps.vpc,
      vpcSubnets: { subnetGroupName: PRIVATE_SUBNETS },
      credentials: rds.Credentials.fromSecret(this.secret),
      databaseName: DATABASE_NAME,
      multiAz: false,
      publiclyAccessible: false,
      storageEncrypted: true,
      backupRetention: Duration.days(1),
      deletionProtection: false,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
