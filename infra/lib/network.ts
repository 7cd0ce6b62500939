import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';

/** The study's address plan: one /16, a public and a private /24 in each of two availability zones. */
export const ADDRESS_PLAN = {
  vpc: '10.0.0.0/16',
  /** Load balancer (and the NAT gateway). */
  public: ['10.0.1.0/24', '10.0.2.0/24'],
  /** Services, function and database; no inbound route from the internet. */
  private: ['10.0.10.0/24', '10.0.11.0/24'],
} as const;

export const PUBLIC_SUBNETS = 'public';
export const PRIVATE_SUBNETS = 'services';

/**
 * Hands the VPC the study's CIDRs instead of the sequential /24s CDK would carve
 * (10.0.0.0/24, 10.0.1.0/24, …), keyed by subnet group and zone order.
 */
export class FixedSubnetCidrs implements ec2.IIpAddresses {
  constructor(
    private readonly vpcCidr: string,
    private readonly byGroup: Readonly<Record<string, readonly string[]>>,
  ) {}

  allocateVpcCidr(): ec2.VpcIpamOptions {
    return { cidrBlock: this.vpcCidr };
  }

  allocateSubnetsCidr(input: ec2.AllocateCidrRequest): ec2.SubnetIpamOptions {
    const used = new Map<string, number>();
    const allocatedSubnets = input.requestedSubnets.map((subnet) => {
      const group = subnet.configuration.name;
      const index = used.get(group) ?? 0;
      used.set(group, index + 1);
      const cidr = this.byGroup[group]?.[index];
      if (!cidr) throw new Error(`no CIDR planned for subnet ${index + 1} of group "${group}"`);
      return { cidr };
    });
    return { allocatedSubnets };
  }
}

/** Options of {@link createNetwork}. */
export interface NetworkOptions {
  /** NAT gateways giving the private subnets a way out (image pulls, SNS/SQS calls). Default 1, the cheapest that works. */
  natGateways?: number;
}

/** The VPC of the study: public subnets for the load balancer, private ones for everything else. */
export function createNetwork(scope: Construct, options: NetworkOptions = {}): ec2.Vpc {
  return new ec2.Vpc(scope, 'Vpc', {
    ipAddresses: new FixedSubnetCidrs(ADDRESS_PLAN.vpc, {
      [PUBLIC_SUBNETS]: ADDRESS_PLAN.public,
      [PRIVATE_SUBNETS]: ADDRESS_PLAN.private,
    }),
    maxAzs: 2,
    natGateways: options.natGateways ?? 1,
    subnetConfiguration: [
      { name: PUBLIC_SUBNETS, subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: PRIVATE_SUBNETS, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
    ],
  });
}
