import { Annotations, Arn, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct, IConstruct } from 'constructs';
import { fleetError } from '../errors';
import { checkCidrs } from '../validation';
import { healthyHttpCodesProblem, hostPatternProblem, pathPatternProblem } from './patterns';
import { routeKey } from './priorities';

/**
 * Throws when `allowedCidrs` is empty (it would silently admit everybody) or holds something that is not an IPv4 or
 * IPv6 CIDR block with a valid prefix length. Tokens pass.
 */
export function checkAllowedCidrs(scope: Construct, cidrs: readonly string[] | undefined): void {
  checkCidrs(scope, 'allowedCidrs', cidrs, { what: 'client ranges' });
}

/**
 * The VPC's CIDR block, which an internal load balancer admits when no allowedCidrs are given. A VPC imported with
 * `Vpc.fromVpcAttributes` without `vpcCidrBlock` has none: aws-cdk-lib then throws a bare "'vpcCidrBlock' was not
 * supplied" with no construct path; this says which load balancer needs it and what to pass.
 */
export function vpcCidrBlockOf(scope: Construct, vpc: ec2.IVpc): string {
  try {
    return vpc.vpcCidrBlock;
  } catch {
    throw fleetError(scope, `the internal load balancer admits its VPC's CIDR block by default, but the VPC ${vpc.node.path} was imported without one`,
      "pass vpcCidrBlock to Vpc.fromVpcAttributes (e.g. vpcCidrBlock: '10.0.0.0/16', or Fn.importValue of it), or give allowedCidrs the client ranges to admit");
  }
}

/** Throws when a health-check path does not start with '/'. */
export function checkHealthCheckPath(scope: Construct, routeOf: string, path: string | undefined): void {
  if (path === undefined || Token.isUnresolved(path) || path.startsWith('/')) return;
  throw fleetError(scope, `route for ${routeOf}: healthCheckPath '${path}' does not start with '/'`, `use '/${path}'`);
}

/** Throws when `healthyHttpCodes` is not a matcher ALB accepts (codes 200 to 499, single, listed or ranged). Tokens pass. */
export function checkHealthyHttpCodes(scope: Construct, routeOf: string, codes: string | undefined): void {
  if (codes === undefined || Token.isUnresolved(codes)) return;
  const problem = healthyHttpCodesProblem(codes);
  if (problem) {
    throw fleetError(scope, `route for ${routeOf}: healthyHttpCodes '${codes}' is not valid: ${problem}`,
      "give HTTP codes from 200 to 499 as one code ('200'), a list ('200,202') or a range ('200-399')");
  }
}

/**
 * Throws when the certificate's ARN names another region than the stack's: a listener needs a certificate from its
 * own region (ACM User Guide, "Supported Regions"). Skipped when either region is a token.
 */
export function checkCertificateRegion(scope: Construct, certificate: acm.ICertificate | undefined): void {
  if (!certificate || Token.isUnresolved(certificate.certificateArn)) return;
  const stackRegion = Stack.of(scope).region;
  if (Token.isUnresolved(stackRegion)) return;
  const region = Arn.split(certificate.certificateArn, ArnFormat.SLASH_RESOURCE_NAME).region;
  if (region && !Token.isUnresolved(region) && region !== stackRegion) {
    throw fleetError(scope, `the certificate ${certificate.certificateArn} is in ${region}, but the stack deploys to ${stackRegion}; a load balancer can only use a certificate of its own region`,
      `request or import the certificate in ${stackRegion} and use that ARN`);
  }
}

/**
 * Warns about Route 53 health checks in the stack that probe one of `loadBalancers` over plain HTTP while it serves
 * HTTPS: its HTTP listener only redirects, and Route 53 counts the redirect (3xx) as healthy even when no task answers.
 */
export function warnAboutHttpHealthChecks(scope: Construct, loadBalancers: readonly elbv2.ApplicationLoadBalancer[]): void {
  const stack = Stack.of(scope);
  const dnsNames = loadBalancers.map((lb) => JSON.stringify(stack.resolve(lb.loadBalancerDnsName)));
  for (const node of stack.node.findAll()) {
    if (!(node instanceof route53.CfnHealthCheck)) continue;
    const config = stack.resolve(node.healthCheckConfig) as { type?: string; fullyQualifiedDomainName?: unknown } | undefined;
    if (!config || config.type !== 'HTTP' || !dnsNames.includes(JSON.stringify(config.fullyQualifiedDomainName))) continue;
    Annotations.of(node).addWarningV2('@cdk-container-fleet/routing:httpHealthCheckOfHttpsLoadBalancer',
      `this Route 53 health check probes ${scope.node.path} over HTTP, but that load balancer serves HTTPS and only redirects HTTP: `
      + 'Route 53 counts the redirect as healthy even when no task answers. Probe HTTPS instead (RegionalEndpoint: healthCheckProtocol: ApplicationProtocol.HTTPS)');
  }
}

/** A route already made, as the route checks see it. */
interface ExistingRoute {
  readonly service: IConstruct;
  readonly pinnedPriority?: number;
}

/** What a route asks for, as the route checks see it. */
interface RouteRequest {
  readonly host?: string;
  readonly path?: string;
  readonly priority?: number;
  readonly healthCheckPath?: string;
  readonly healthyHttpCodes?: string;
}

/**
 * The checks every route takes, on a FleetLoadBalancer and on an imported listener alike: the pinned priority is not
 * pinned already, the service has a port, host and path are patterns ALB accepts, the health check is valid, and no
 * route with the same host and path exists. (The priority's range differs between the two and is checked by each.)
 */
export function checkRouteRequest(scope: Construct, service: IConstruct & { readonly containerPort?: number }, options: RouteRequest,
  routes: { readonly byKey: ReadonlyMap<string, ExistingRoute>; readonly all: readonly ExistingRoute[] }): void {
  const { path, host } = options;
  const routeOf = service.node.path;
  const samePin = options.priority === undefined ? undefined : routes.all.find((r) => r.pinnedPriority === options.priority);
  if (samePin) throw fleetError(scope, `route for ${routeOf}: priority ${options.priority} is already pinned by the route to ${samePin.service.node.path}`, 'pin another priority');
  if (service.containerPort === undefined) {
    throw fleetError(service, 'the service is routed from a load balancer but has no containerPort', 'set containerPort on the FleetService');
  }
  if (path !== undefined) {
    const problem = pathPatternProblem(path);
    if (problem) throw fleetError(scope, `route for ${routeOf}: path '${path}' is not valid: ${problem}`, "write a path pattern such as '/api/*'");
  }
  if (host !== undefined) {
    const problem = hostPatternProblem(host);
    if (problem) throw fleetError(scope, `route for ${routeOf}: host '${host}' is not valid: ${problem}`, "write a host pattern such as 'api.example.com'");
  }
  checkHealthCheckPath(scope, routeOf, options.healthCheckPath);
  checkHealthyHttpCodes(scope, routeOf, options.healthyHttpCodes);
  const existing = routes.byKey.get(routeKey({ host, path }));
  if (existing) {
    const what = host === undefined && path === undefined ? 'the default route (no host, no path)' : `host '${host ?? '*'}' path '${path ?? '*'}'`;
    throw fleetError(scope, `duplicate route: ${what} is routed to both ${existing.service.node.path} and ${routeOf}`, 'give one of them another path or host');
  }
}
