import { Aws, CustomResource, Duration, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';
import { customResourceServiceTimeout, fleetHandlerFunction } from '../handler-function';
import { checkWholeNumber } from '../validation';

/**
 * Weight of the AWS-managed prefix list `com.amazonaws.<region>.route53-healthchecks`: a security group rule that
 * references it counts as this many rules (Amazon VPC User Guide, "AWS-managed prefix lists").
 */
export const ROUTE53_HEALTHCHECKS_WEIGHT = 25;

/**
 * Another health-checker region's list, which the local list must cover (checked at deploy time): Route 53 checks
 * every endpoint from checkers in several regions, and a security group can only reference its own region's list.
 * us-east-1's, or eu-west-1's for us-east-1 itself; none outside the commercial partition, whose checkers differ.
 */
function comparisonList(stack: Stack): { region: string; name: string } | undefined {
  const region = stack.region;
  if (!Token.isUnresolved(region) && (region.startsWith('cn-') || region.startsWith('us-gov-'))) return undefined;
  const other = region === 'us-east-1' ? 'eu-west-1' : 'us-east-1';
  return { region: other, name: `com.amazonaws.${other}.route53-healthchecks` };
}

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
 * (`ec2:DescribeManagedPrefixLists`), since synthesis makes no lookups. Route 53 checks every endpoint from checkers
 * in several regions, while a security group can only reference its own region's list; AWS does not say in so many
 * words that each region's list holds every checker (it exists in regions without checkers, so it must), so the
 * custom resource checks it on every deployment against us-east-1's list (eu-west-1's in us-east-1) and fails the
 * deployment naming any missing range, rather than letting every region look unhealthy. The rule opens only the health-check port,
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
    // AWS-managed prefix lists are owned by AWS, not the account: there is no ARN of ours to scope the reads to.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists', 'ec2:GetManagedPrefixListEntries'], resources: ['*'] }));
    acknowledgeFinding(this, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeManagedPrefixLists supports no resource-level permissions, and the lists read (AWS-managed, two regions) are AWS\'s, not the account\'s; the function only reads them',
    });
    const lookup = new CustomResource(this, 'Resource', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::ManagedPrefixListId',
      serviceTimeout: customResourceServiceTimeout(fn),
      properties: { PrefixListName: name, CompareWith: comparisonList(stack) },
    });
    this.prefixListId = lookup.getAttString('PrefixListId');
    props.target.connections.allowFrom(ec2.Peer.prefixList(this.prefixListId), ec2.Port.tcp(props.port), 'Route 53 health checkers');
  }
}
