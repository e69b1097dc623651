import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** What one load balancer of a FleetLoadBalancer is made from. */
export interface LoadBalancerOptions {
  readonly vpc: ec2.IVpc;
  readonly internetFacing: boolean;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly deletionProtection: boolean;
  readonly certificate?: acm.ICertificate;
  readonly accessLogBucket?: s3.IBucket;
  /** Prefix of the access logs in the bucket. */
  readonly accessLogPrefix: string;
}

/** A load balancer and the listener that carries the rules: HTTPS when a certificate is given, HTTP otherwise. */
export interface LoadBalancerAndListener {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
}

/**
 * One ALB (id `Resource` in `scope`) with its listeners: HTTPS on 443 plus a permanent redirect on 80 when there is a
 * certificate, plain HTTP on 80 otherwise; unmatched requests get 404.
 */
export function createLoadBalancer(scope: Construct, options: LoadBalancerOptions): LoadBalancerAndListener {
  const loadBalancer = new elbv2.ApplicationLoadBalancer(scope, 'Resource', {
    vpc: options.vpc,
    internetFacing: options.internetFacing,
    vpcSubnets: { subnetType: options.internetFacing ? ec2.SubnetType.PUBLIC : internalSubnetType(options.vpc) },
    securityGroup: options.securityGroup,
    dropInvalidHeaderFields: true,
    deletionProtection: options.deletionProtection,
  });
  if (options.accessLogBucket) loadBalancer.logAccessLogs(options.accessLogBucket, options.accessLogPrefix);
  const notFound = elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: 'no route' });
  if (!options.certificate) {
    return { loadBalancer, listener: loadBalancer.addListener('Http', { port: 80, open: false, defaultAction: notFound }) };
  }
  const listener = loadBalancer.addListener('Https', {
    port: 443, protocol: elbv2.ApplicationProtocol.HTTPS, certificates: [options.certificate], open: false,
    sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS, defaultAction: notFound,
  });
  loadBalancer.addListener('Http', {
    port: 80, open: false,
    defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
  });
  return { loadBalancer, listener };
}

/** An internal load balancer prefers private subnets; in a VPC without them (cheap QA) its internal scheme still keeps it private. */
function internalSubnetType(vpc: ec2.IVpc): ec2.SubnetType {
  if (vpc.privateSubnets.length > 0) return ec2.SubnetType.PRIVATE_WITH_EGRESS;
  if (vpc.isolatedSubnets.length > 0) return ec2.SubnetType.PRIVATE_ISOLATED;
  return ec2.SubnetType.PUBLIC;
}
