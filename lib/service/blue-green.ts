/**
 * Native ECS blue/green deployments of a routed awsvpc FleetService (ECS deployment strategy `BLUE_GREEN`).
 *
 * ECS runs the new revision (green) beside the old one (blue), registers it in the route's alternate target group,
 * shifts the production listener rule's forward weights from one target group to the other, keeps blue running for
 * the bake time, and rolls back (weights back) when a deployment alarm fires or a lifecycle hook fails. The rule's
 * weights are ECS's from then on: see `blueGreenProductionAction` for how the template keeps out of their way.
 */
import { Annotations, Duration, Lazy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';
import { fleetError } from '../errors';
import { vpcCidrBlockOf } from '../routing/load-balancer-checks';
import { checkCidrs, checkDuration, checkWholeNumber } from '../validation';

/** How a {@link FleetService} deploys new revisions. */
export enum FleetDeploymentStrategy {
  /** Replace tasks in batches (`minHealthyPercent` / `maxHealthyPercent`), behind the circuit breaker. */
  ROLLING = 'ROLLING',
  /**
   * ECS blue/green: start the whole new revision beside the old one, shift the route's traffic to it in one step,
   * keep the old one for the bake time, roll back on an alarm or a failed smoke test. awsvpc networking only.
   */
  BLUE_GREEN = 'BLUE_GREEN',
}

/** Options of a blue/green deployment ({@link FleetDeploymentStrategy.BLUE_GREEN}). */
export interface FleetBlueGreenOptions {
  /**
   * How long the old revision keeps running after production traffic moved to the new one. Until it ends, a
   * deployment alarm rolls the deployment back in seconds (the weights move back; no task has to start).
   *
   * @default 10 minutes
   */
  readonly bakeTime?: Duration;

  /**
   * A Lambda function ECS invokes at the POST_TEST_TRAFFIC_SHIFT stage, when the new revision receives test traffic
   * and no production traffic yet: it answers `{ "hookStatus": "SUCCEEDED" }` to go on, `"FAILED"` to roll back, or
   * `"IN_PROGRESS"` to be asked again (docs/deployments.md, "Smoke test"). ECS is granted to invoke exactly this function.
   *
   * @default - no smoke test
   */
  readonly smokeTest?: lambda.IFunction;

  /**
   * Port of a test listener on the route's load balancer: requests to it reach the new revision before production
   * traffic does (ECS points the test rule at the new revision from the TEST_TRAFFIC_SHIFT stage on).
   *
   * @default - no test listener: the new revision gets no traffic before the production shift
   */
  readonly testListenerPort?: number;

  /**
   * Client address ranges allowed to reach the test listener.
   *
   * @default - the VPC's CIDR (a smoke test or a bastion inside the VPC; an internet-facing load balancer is reached
   *   from inside the VPC through the NAT gateways' public addresses, so list those for an internet-facing one)
   */
  readonly testTrafficCidrs?: string[];
}

/** What blue/green needs to know of a service (the service module imports this one, not the other way round). */
interface BlueGreenService extends IConstruct {
  readonly service: ecs.BaseService;
}

/** Blue/green options of each blue/green service. */
const OPTIONS = new WeakMap<IConstruct, FleetBlueGreenOptions>();

/** The alternate target group and production rule of each blue/green route's target group. */
interface BlueGreenRoute {
  readonly alternate: elbv2.ApplicationTargetGroup;
  readonly role: iam.Role;
  readonly testTrafficCidrs?: string[];
  rule?: elbv2.ApplicationListenerRule;
  testRule?: elbv2.ApplicationListenerRule;
}
const ROUTES = new WeakMap<elbv2.ApplicationTargetGroup, BlueGreenRoute>();

/** The default bake time: long enough for the route alarms (1-minute periods) to see the new revision under load. */
export const DEFAULT_BAKE_TIME = Duration.minutes(10);

/**
 * The deployment props of a blue/green service, checked: the strategy, the bake time and the smoke-test hook.
 * Refuses a bridge-mode service (blue/green shifts traffic between IP target groups).
 */
export function blueGreenServiceProps(scope: Construct, awsvpc: boolean, options: FleetBlueGreenOptions): { deploymentStrategy: ecs.DeploymentStrategy; bakeTime: Duration } {
  if (!awsvpc) {
    throw fleetError(scope, 'deploymentStrategy BLUE_GREEN needs awsvpc networking: ECS shifts traffic between two IP target groups, and a bridge-mode service registers instances',
      'set networkMode: FleetNetworkMode.AWS_VPC on the service (each task then takes one of its instance\'s network interfaces), or use the ROLLING strategy');
  }
  checkDuration(scope, 'blueGreen.bakeTime', options.bakeTime, { min: Duration.minutes(0), max: Duration.minutes(1440), wholeUnit: 'minutes', why: "ECS's bake time range" });
  checkWholeNumber(scope, 'blueGreen.testListenerPort', options.testListenerPort, { min: 1, max: 65_535, unit: '(a TCP port)' });
  if (options.testListenerPort === 80 || options.testListenerPort === 443) {
    throw fleetError(scope, `blueGreen.testListenerPort ${options.testListenerPort} is a production listener's port`, 'choose another port for test traffic, e.g. 8080');
  }
  checkCidrs(scope, 'blueGreen.testTrafficCidrs', options.testTrafficCidrs, { what: 'test clients' });
  if (options.testTrafficCidrs && options.testListenerPort === undefined) {
    throw fleetError(scope, 'blueGreen.testTrafficCidrs is given without a testListenerPort', 'set testListenerPort, or leave testTrafficCidrs out');
  }
  OPTIONS.set(scope, options);
  return { deploymentStrategy: ecs.DeploymentStrategy.BLUE_GREEN, bakeTime: options.bakeTime ?? DEFAULT_BAKE_TIME };
}

/** Completes a blue/green service once its ECS service exists: no circuit breaker (acknowledged), the smoke-test hook. */
export function completeBlueGreenService(service: BlueGreenService): void {
  Annotations.of(service.service).acknowledgeWarning('@aws-cdk/aws-ecs:shouldUseCircuitBreaker',
    'ECS uses the deployment circuit breaker for rolling deployments only (ECS API, DeploymentConfiguration); a blue/green deployment rolls back on its deployment alarms and lifecycle hooks');
  const smokeTest = OPTIONS.get(service)?.smokeTest;
  if (!smokeTest) return;
  // The hook's role may invoke exactly this function (aws-cdk-lib grants lambda:InvokeFunction on it).
  service.service.addLifecycleHook(new ecs.DeploymentLifecycleLambdaTarget(smokeTest, 'SmokeTest', {
    lifecycleStages: [ecs.DeploymentLifecycleStage.POST_TEST_TRAFFIC_SHIFT],
  }));
}

/** Whether the service deploys blue/green. */
export function isBlueGreen(service: IConstruct): boolean {
  return OPTIONS.has(service);
}

/**
 * Refuses the routes ECS cannot shift: the listener's default action (ECS shifts a listener rule's weights; for an
 * Application Load Balancer it takes a rule, not a listener), and a second rule to the same target group (ECS shifts
 * one production rule per target group, so another rule would keep sending traffic to the revision being stopped).
 */
export function checkBlueGreenRoute(lb: Construct, service: IConstruct, isDefault: boolean, targetGroup: elbv2.ApplicationTargetGroup | undefined): void {
  if (!isBlueGreen(service)) return;
  if (isDefault) {
    throw fleetError(lb, `the default route (no host, no path) goes to ${service.node.path}, which deploys blue/green: ECS shifts traffic by a listener rule's weights, and the default route is the listener's default action, not a rule`,
      "give the route a path, e.g. { path: '/*' } (a catch-all rule at the lowest priority)");
  }
  if (targetGroup && ROUTES.get(targetGroup)?.rule) {
    throw fleetError(lb, `${service.node.path} deploys blue/green and is already routed by this load balancer: ECS shifts one production rule per target group, and a second rule would keep sending traffic to the revision being stopped`,
      'route a blue/green service once per load balancer (a host with a path pattern such as /api/*), or deploy it ROLLING');
  }
}

/**
 * The alternate ("green") target group of a blue/green route, a twin of `primary`, and what ECS needs to shift
 * between them: the IAM role it assumes to modify the listener rules and (de)register targets, scoped to exactly
 * these rules and target groups. The production rule is bound later (`bindProductionRule`): the rule needs the target
 * groups first.
 */
export function blueGreenTarget(scope: Construct, id: string, service: IConstruct, primary: elbv2.ApplicationTargetGroup,
  makeTwin: (id: string) => elbv2.ApplicationTargetGroup): ecs.IAlternateTarget | undefined {
  const options = OPTIONS.get(service);
  if (!options) return undefined;
  const alternate = makeTwin(`${id}Alternate`);
  const role = new iam.Role(scope, `${id}BlueGreenRole`, {
    // The trust policy AWS documents for the ECS infrastructure role for load balancers.
    assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
    description: `ECS shifts blue/green traffic of ${service.node.path}`,
  });
  const route: BlueGreenRoute = { alternate, role, testTrafficCidrs: options.testTrafficCidrs };
  ROUTES.set(primary, route);
  // ECS uses the role in CreateService: the service must wait for the role's policy too (a dependency on the role
  // covers its default policy), or a first create races IAM.
  const ecsService = (service as IConstruct & { service?: IConstruct }).service;
  if (ecsService) ecsService.node.addDependency(role);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
    resources: [primary.targetGroupArn, alternate.targetGroupArn],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['elasticloadbalancing:ModifyRule'],
    resources: [Lazy.string({ produce: () => requireRule(service, route).listenerRuleArn })],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth'],
    // Describe* calls take no resource (Service Authorization Reference, Elastic Load Balancing V2).
    resources: ['*'],
  }));
  acknowledgeFinding(role, {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'elasticloadbalancing Describe* calls (listeners, rules, target groups, target health) support no resource-level permissions; every write is scoped to this route\'s rules and target groups',
  });
  return {
    bind: () => ({
      alternateTargetGroupArn: alternate.targetGroupArn,
      roleArn: role.roleArn,
      productionListenerRule: Lazy.string({ produce: () => requireRule(service, route).listenerRuleArn }),
      testListenerRule: Lazy.string({ produce: () => route.testRule?.listenerRuleArn }),
    }),
  };
}

function requireRule(service: IConstruct, route: BlueGreenRoute): elbv2.ApplicationListenerRule {
  if (!route.rule) throw fleetError(service as Construct, 'a blue/green target group has no production listener rule', 'route the service with a path or host');
  return route.rule;
}

/** The alternate target group of a blue/green route's target group, if it has one. */
export function alternateTargetGroupOf(targetGroup: elbv2.ApplicationTargetGroup): elbv2.ApplicationTargetGroup | undefined {
  return ROUTES.get(targetGroup)?.alternate;
}

/**
 * The forward action of a route's production rule. For a blue/green target group, a weighted forward to both target
 * groups, 100 to the primary and 0 to the alternate: the shape ECS requires (both target groups in the rule) and
 * then owns: ECS moves the weights with ModifyRule on every deployment, so after an odd number of deployments the
 * live rule is 0/100.
 *
 * The template never changes these weights, so CloudFormation never sends them again: it updates a resource only when
 * the resource's properties in the template change, and does not compare the template with the live resource
 * ("drift") on an update. The action is fixed here, the rule's conditions are the route's, and its priority stays put
 * when other routes come and go: the route is `stable` (lib/routing/priorities.ts), pinned in its band's stable region
 * by its own key, so ordinary routes never move it; another blue/green route of its band hashing to the same slot can
 * (the update check reports it), and never with the deployed rules given, which keep a deployed stable rule where it is. A change of the route itself (its path or host, or a new pinned priority) does
 * re-send the action: see docs/deployments.md, "What CloudFormation does to the weights".
 */
export function blueGreenProductionAction(targetGroup: elbv2.ApplicationTargetGroup): elbv2.ListenerAction | undefined {
  const route = ROUTES.get(targetGroup);
  if (!route) return undefined;
  return elbv2.ListenerAction.weightedForward([{ targetGroup, weight: 100 }, { targetGroup: route.alternate, weight: 0 }]);
}

/**
 * Binds the production rule of a blue/green route (its ARN goes into the service's advanced configuration and the
 * role's policy), and adds the test rule on the test listener when the service has one: same conditions, same
 * priority (priorities are per listener, and the test listener holds only test rules).
 */
export function bindBlueGreenRule(scope: Construct, service: IConstruct, targetGroup: elbv2.ApplicationTargetGroup, rule: elbv2.ApplicationListenerRule,
  loadBalancer: elbv2.ApplicationLoadBalancer, conditions: elbv2.ListenerCondition[], priority: number, vpc: ec2.IVpc): void {
  const route = ROUTES.get(targetGroup);
  const options = OPTIONS.get(service);
  if (!route || !options) return;
  route.rule = rule;
  if (options.testListenerPort === undefined) return;
  const listener = testListenerOf(loadBalancer, options.testListenerPort, options.testTrafficCidrs, vpc);
  route.testRule = new elbv2.ApplicationListenerRule(scope, `TestRule${rule.node.id.replace(/^Rule/, '')}`, {
    listener,
    priority,
    conditions,
    action: elbv2.ListenerAction.weightedForward([{ targetGroup, weight: 100 }, { targetGroup: route.alternate, weight: 0 }]),
  });
  route.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['elasticloadbalancing:ModifyRule'], resources: [route.testRule.listenerRuleArn] }));
}

/** The test listener on `port` of a load balancer: one per load balancer and port, shared by its blue/green routes. */
function testListenerOf(loadBalancer: elbv2.ApplicationLoadBalancer, port: number, cidrs: string[] | undefined, vpc: ec2.IVpc): elbv2.ApplicationListener {
  const id = `TestListener${port}`;
  const existing = loadBalancer.node.tryFindChild(id) as elbv2.ApplicationListener | undefined;
  const listener = existing ?? loadBalancer.addListener(id, {
    port,
    protocol: elbv2.ApplicationProtocol.HTTP,
    // Admitted below, to the test clients only.
    open: false,
    defaultAction: elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: 'no test route' }),
  });
  const peers = cidrs ? cidrs.map((c) => (c.includes(':') ? ec2.Peer.ipv6(c) : ec2.Peer.ipv4(c))) : [ec2.Peer.ipv4(vpcCidrBlockOf(loadBalancer, vpc))];
  for (const peer of peers) listener.connections.allowDefaultPortFrom(peer, `test traffic of blue/green deployments on ${port}`);
  return listener;
}


/**
 * Warns when a deploy would update a blue/green production rule that exists: a newly pinned priority makes
 * CloudFormation update the rule, and an update sends the template's whole `Actions` (100/0) again, over the weights ECS
 * set. When the alternate target group carries production at that moment, traffic moves to the primary one, which has
 * no tasks (docs/deployments.md, "What CloudFormation does to the weights").
 */
export function warnAboutBlueGreenRuleUpdate(lb: Construct, service: IConstruct, targetGroup: elbv2.ApplicationTargetGroup, pinned: number, deployed: number | undefined): void {
  if (!ROUTES.has(targetGroup) || deployed === undefined || deployed === pinned) return;
  Annotations.of(lb).addWarningV2('@cdk-container-fleet/routing:blueGreenRuleUpdate',
    `the blue/green production rule of ${service.node.path} moves from priority ${deployed} to ${pinned}: CloudFormation updates the rule and sends its forward weights (100 to the primary target group) again, `
    + 'over the weights ECS set; if the alternate target group serves production now, traffic moves to a target group with no tasks. '
    + 'Check the live weights first (aws elbv2 describe-rules) and, if the alternate group is live, deploy a new revision before this change (docs/deployments.md)');
}
