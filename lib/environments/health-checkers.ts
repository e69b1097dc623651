import { Aws, CustomResource, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { customResourceServiceTimeout, fleetHandlerFunction } from '../handler-function';
import { checkWholeNumber } from '../validation';

/**
 * Weight of the AWS-managed prefix list `com.amazonaws.<region>.route53-healthchecks`: a security group rule that
 * references it counts as this many rules (Amazon VPC User Guide, "AWS-managed prefix lists").
 */
export const ROUTE53_HEALTHCHECKS_WEIGHT = 25;

/** Properties of {@link Route53HealthCheckerAccess}. */
export interface Route53HealthCheckerAccessProps {
  /** What the health checkers must reach: a load balancer restricted to office ranges (`FleetLoadBalancer`). */
  readonly target: ec2.IConnectable;
  /** Port of the Route 53 health check: 80 for HTTP, 443 for HTTPS. */
  readonly port: number;
}

/**
 * Admits Route 53's health checkers to a target whose security group admits only some client ranges (`allowedCidrs`):
 * without it every region's health check fails, and when all records of a name are unhealthy Route 53 answers with
 * all of them (it fails open), so the health checks would protect nothing.
 *
 * The checkers' addresses are AWS's managed prefix list `com.amazonaws.<region>.route53-healthchecks` (Route 53
 * Developer Guide, "IP address ranges of Amazon Route 53 servers"; available in every region since September 2023),
 * kept current by AWS. Its id differs per region and is read at deploy time by a small custom resource
 * (`ec2:DescribeManagedPrefixLists`), since synthesis makes no lookups. The rule opens only the health-check port,
 * and the list counts as 25 rules of the security group's default quota of 60 inbound rules (so at most 17 client
 * ranges on two ports fit beside it; raise the quota for more).
 */
export class Route53HealthCheckerAccess extends Construct {
  /** The prefix list id (a token resolved at deploy time). */
  public readonly prefixListId: string;

  constructor(scope: Construct, id: string, props: Route53HealthCheckerAccessProps) {
    super(scope, id);
    checkWholeNumber(this, 'port', props.port, { min: 1, max: 65_535 });
    const stack = Stack.of(this);
    const name = `com.amazonaws.${Token.isUnresolved(stack.region) ? Aws.REGION : stack.region}.route53-healthchecks`;
    const fn = fleetHandlerFunction(this, 'Function', {
      handler: 'prefix-list-id',
      description: 'Reads the id of the Route 53 health checkers managed prefix list',
      timeout: Duration.minutes(2),
      memorySize: 256,
    });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists'], resources: ['*'] }));
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeManagedPrefixLists supports no resource-level permissions; the function only reads one AWS-managed prefix list id',
    });
    const lookup = new CustomResource(this, 'Resource', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::ManagedPrefixListId',
      serviceTimeout: customResourceServiceTimeout(fn),
      properties: { PrefixListName: name },
    });
    this.prefixListId = lookup.getAttString('PrefixListId');
    props.target.connections.allowFrom(ec2.Peer.prefixList(this.prefixListId), ec2.Port.tcp(props.port), 'Route 53 health checkers');
  }
}
