import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { FleetBlueGreenOptions, FleetDeploymentStrategy } from '../../lib/service/blue-green';
import { FleetService, FleetServiceProps } from '../../lib/service/fleet-service';
import { FleetNetworkMode } from '../../lib/service/networking';
import { testStack } from '../support/fixtures';

function blueGreenStack(blueGreen: FleetBlueGreenOptions = {}, overrides: Partial<FleetServiceProps> = {}, route: { path?: string; host?: string } | undefined = { path: '/api/*' }) {
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster');
  const lb = new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc });
  const smoke = lambda.Function.fromFunctionAttributes(stack, 'Smoke', { functionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:smoke', sameEnvironment: true });
  const resolved = { ...blueGreen, smokeTest: blueGreen.smokeTest === undefined ? undefined : smoke };
  const service = new FleetService(stack, 'Api', {
    cluster, image: 'nginx:1.27', containerPort: 80, networkMode: FleetNetworkMode.AWS_VPC,
    deploymentStrategy: FleetDeploymentStrategy.BLUE_GREEN, blueGreen: resolved, ...overrides,
  });
  if (route) lb.route(service, route);
  return { stack, cluster, lb, service, get template() { return Template.fromStack(stack); } };
}

const primary = Match.stringLikeRegexp('^ApiRoutedByLbTargetGroup[0-9A-F]{8}$');
const alternate = Match.stringLikeRegexp('^ApiRoutedByLbTargetGroupAlternate');
const productionRule = Match.stringLikeRegexp('^ApiRoutedByLbRule');
const testRule = Match.stringLikeRegexp('^ApiRoutedByLbTestRule');

describe('blue/green FleetService', () => {
  test('deploys BLUE_GREEN with a 10-minute bake time by default', () => {
    const { template } = blueGreenStack();
    template.hasResourceProperties('AWS::ECS::Service', {
      // No circuit breaker: ECS uses it for rolling deployments only.
      DeploymentConfiguration: Match.objectLike({ Strategy: 'BLUE_GREEN', BakeTimeInMinutes: 10, DeploymentCircuitBreaker: Match.absent() }),
      DeploymentController: Match.absent(),
    });
  });

  test('takes the bake time it is given', () => {
    const { template } = blueGreenStack({ bakeTime: Duration.minutes(3) });
    template.hasResourceProperties('AWS::ECS::Service', { DeploymentConfiguration: Match.objectLike({ BakeTimeInMinutes: 3 }) });
  });

  test('a rolling service has no strategy, bake time or lifecycle hooks', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster');
    new FleetService(stack, 'Api', { cluster, image: 'nginx:1.27', containerPort: 80, networkMode: FleetNetworkMode.AWS_VPC });
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        Strategy: Match.absent(), BakeTimeInMinutes: Match.absent(), LifecycleHooks: Match.absent(), DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
    });
  });

  test('the route gets an alternate IP target group, a twin of the primary one', () => {
    const { template } = blueGreenStack();
    const groups = template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(Object.keys(groups)).toHaveLength(2);
    const [a, b] = Object.values(groups).map((g) => g.Properties);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ TargetType: 'ip', Port: 80, Protocol: 'HTTP' });
  });

  test('the production rule forwards to both target groups, 100 to the primary and 0 to the alternate', () => {
    const { template } = blueGreenStack();
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      ListenerArn: { Ref: Match.stringLikeRegexp('^LbHttp') },
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: { Ref: primary }, Weight: 100 }, { TargetGroupArn: { Ref: alternate }, Weight: 0 }] } }],
    });
  });

  test('the service names the alternate target group, the production rule and the role in its load balancer configuration', () => {
    const { template } = blueGreenStack();
    template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [{
        ContainerName: 'app', ContainerPort: 80, TargetGroupArn: { Ref: primary },
        AdvancedConfiguration: {
          AlternateTargetGroupArn: { Ref: alternate },
          ProductionListenerRule: { Ref: productionRule },
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiRoutedByLbTargetGroupBlueGreenRole'), 'Arn'] },
        },
      }],
    });
  });

  test('the role ECS assumes may modify exactly the route\'s rules and register in exactly its two target groups, with no managed policy', () => {
    const { template } = blueGreenStack({ testListenerPort: 8080 });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' } }] },
      ManagedPolicyArns: Match.absent(),
      Description: Match.stringLikeRegexp('blue/green'),
    });
    const policy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) => /^ApiRoutedByLbTargetGroupBlueGreenRoleDefaultPolicy/.test(id))![1];
    const statements: Array<{ Action: string | string[]; Resource: unknown }> = policy.Properties.PolicyDocument.Statement;
    const refs = (r: unknown) => (Array.isArray(r) ? r : [r]).map((x) => (typeof x === 'string' ? x : (x as { Ref: string }).Ref)).sort();
    const byAction = (action: string) => statements.filter((st) => [st.Action].flat().includes(action)).flatMap((st) => refs(st.Resource));
    expect(byAction('elasticloadbalancing:RegisterTargets')).toEqual(expect.arrayContaining([expect.stringMatching(/^ApiRoutedByLbTargetGroup[0-9A-F]{8}$/), expect.stringMatching(/^ApiRoutedByLbTargetGroupAlternate/)]));
    expect(byAction('elasticloadbalancing:RegisterTargets')).toHaveLength(2);
    expect(byAction('elasticloadbalancing:DeregisterTargets')).toEqual(byAction('elasticloadbalancing:RegisterTargets'));
    expect(byAction('elasticloadbalancing:ModifyRule')).toEqual(expect.arrayContaining([expect.stringMatching(/^ApiRoutedByLbRule/), expect.stringMatching(/^ApiRoutedByLbTestRule/)]));
    expect(byAction('elasticloadbalancing:ModifyRule')).toHaveLength(2);
    expect(byAction('elasticloadbalancing:DescribeRules')).toEqual(['*']);
    // Nothing else: no listener modification, no wildcard on a write action.
    expect(statements.flatMap((st) => [st.Action].flat()).sort()).toEqual([
      'elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules',
      'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth', 'elasticloadbalancing:ModifyRule', 'elasticloadbalancing:RegisterTargets',
    ]);
  });

  test('the production rule keeps its priority when routes of its specificity come and go (an update would resend the weights ECS set)', () => {
    const priorityWith = (others: string[]) => {
      const { stack, cluster, lb } = blueGreenStack();
      others.forEach((path, i) => lb.route(new FleetService(stack, `Other${i}`, { cluster, image: 'nginx:1.27', containerPort: 80 }), { path }));
      const rules = Template.fromStack(stack).findResources('AWS::ElasticLoadBalancingV2::ListenerRule');
      return Object.entries(rules).find(([id]) => /^ApiRoutedByLbRule/.test(id))![1].Properties.Priority as number;
    };
    const two = priorityWith(['/abc/*', '/xyz/*']);
    expect(priorityWith(['/abc/*', '/xyz/*', '/foo/*'])).toBe(two);
    expect(priorityWith([])).toBe(two);
  });

  test('a test listener carries a test rule with the route\'s conditions and priority, admitting the VPC by default', () => {
    const { template } = blueGreenStack({ testListenerPort: 8080 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 8080, Protocol: 'HTTP', DefaultActions: [Match.objectLike({ Type: 'fixed-response' })],
    });
    const rules = template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule');
    const [prod, test] = [/^ApiRoutedByLbRule/, /^ApiRoutedByLbTestRule/].map((m) => Object.entries(rules).find(([id]) => m.test(id))![1].Properties);
    expect(test.Conditions).toEqual(prod.Conditions);
    expect(test.Priority).toBe(prod.Priority);
    expect(test.Actions).toEqual(prod.Actions);
    expect(test.ListenerArn.Ref).toMatch(/TestListener8080/);
    template.hasResourceProperties('AWS::ECS::Service', { LoadBalancers: [Match.objectLike({ AdvancedConfiguration: Match.objectLike({ TestListenerRule: { Ref: testRule } }) })] });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: Match.arrayWith([Match.objectLike({ FromPort: 8080, ToPort: 8080, CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClusterVpc'), 'CidrBlock'] } })]),
    });
  });

  test('the test listener admits the given ranges instead', () => {
    const { template } = blueGreenStack({ testListenerPort: 8080, testTrafficCidrs: ['198.51.100.0/24'] });
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroup')).flatMap((g) => g.Properties.SecurityGroupIngress ?? []).filter((r) => r.FromPort === 8080);
    expect(ingress).toEqual([expect.objectContaining({ CidrIp: '198.51.100.0/24', ToPort: 8080 })]);
  });

  test('without a test listener there is no test rule', () => {
    const { template } = blueGreenStack();
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 1);
    template.hasResourceProperties('AWS::ECS::Service', { LoadBalancers: [Match.objectLike({ AdvancedConfiguration: Match.objectLike({ TestListenerRule: Match.absent() }) })] });
  });

  test('the smoke test is a lifecycle hook at POST_TEST_TRAFFIC_SHIFT, with a role that may invoke exactly that function', () => {
    const { template } = blueGreenStack({ smokeTest: {} as lambda.IFunction });
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        LifecycleHooks: [{ HookTargetArn: 'arn:aws:lambda:eu-west-1:111111111111:function:smoke', LifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'], RoleArn: Match.anyValue() }],
      }),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: ['arn:aws:lambda:eu-west-1:111111111111:function:smoke', 'arn:aws:lambda:eu-west-1:111111111111:function:smoke:*'] }] },
    });
  });

  test('rolls back on the route alarms of both target groups', () => {
    const { template } = blueGreenStack();
    const service = Object.values(template.findResources('AWS::ECS::Service'))[0];
    const names: string[] = service.Properties.DeploymentConfiguration.Alarms.AlarmNames;
    expect(service.Properties.DeploymentConfiguration.Alarms).toMatchObject({ Enable: true, Rollback: true });
    expect(names.filter((n) => /RoutedByLb-/.test(n))).toHaveLength(3);
    expect(names.filter((n) => /RoutedByLbAlternate-/.test(n))).toHaveLength(3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'UnHealthyHostCount',
      Dimensions: Match.arrayWith([{ Name: 'TargetGroup', Value: { 'Fn::GetAtt': [alternate, 'TargetGroupFullName'] } }]),
    });
  });

  test('warns that rollbackOnFailure (the circuit breaker) does nothing for blue/green; not when left out', () => {
    const { stack } = blueGreenStack({}, { rollbackOnFailure: true });
    Annotations.fromStack(stack).hasWarning('/Test/Api', Match.stringLikeRegexp('circuit breaker, which ECS uses for ROLLING deployments only'));
    const { stack: clean } = blueGreenStack();
    // Nor aws-cdk-lib's own advice to turn the circuit breaker on (acknowledged: ECS ignores it for blue/green).
    expect(Annotations.fromStack(clean).findWarning('*', Match.stringLikeRegexp('circuit ?[bB]reaker'))).toHaveLength(0);
  });

  test('warns that request-based scaling follows only the primary target group', () => {
    const { stack } = blueGreenStack({}, { scaling: { maxTasks: 6, requestsPerTarget: 100 } });
    Annotations.fromStack(stack).hasWarning('/Test/Api', Match.stringLikeRegexp('primary target group, which serves no traffic after every other blue/green deployment'));
  });

  test('warns when a deploy would re-pin the priority of a deployed production rule (CloudFormation re-sends its weights); not when it keeps it', () => {
    const make = (pin: number) => {
      const first = blueGreenStack();
      const rule = first.lb.routes[0].rule!;
      const ruleId = `Test.template.json#${first.stack.resolve((rule.node.defaultChild as elbv2.CfnListenerRule).logicalId)}`;
      const listener = `Test.template.json#${first.stack.resolve((first.lb.loadBalancer.listeners[0].node.defaultChild as elbv2.CfnListener).logicalId)}`;
      const stack = testStack();
      const cluster = new FleetCluster(stack, 'Cluster');
      const lb = new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc, deployedRules: [{ ruleId, listener, priority: 47_000 }] });
      const service = new FleetService(stack, 'Api', {
        cluster, image: 'nginx:1.27', containerPort: 80, networkMode: FleetNetworkMode.AWS_VPC, deploymentStrategy: FleetDeploymentStrategy.BLUE_GREEN,
      });
      lb.route(service, { path: '/api/*', priority: pin });
      return Annotations.fromStack(stack).findWarning('/Test/Lb', Match.stringLikeRegexp('blue/green production rule of Test/Api moves from priority 47000 to'));
    };
    expect(make(100)).toHaveLength(1);
    expect(make(47_000)).toHaveLength(0);
  });

  describe('refusals', () => {
    test('refuses BLUE_GREEN on a bridge-mode service, naming the fix', () => {
      expect(() => blueGreenStack({}, { networkMode: FleetNetworkMode.BRIDGE })).toThrow(/Test\/Api: deploymentStrategy BLUE_GREEN needs awsvpc networking.*Fix: set networkMode: FleetNetworkMode.AWS_VPC/);
      expect(() => blueGreenStack({}, { networkMode: undefined })).toThrow(/needs awsvpc networking/);
      expect(() => blueGreenStack({}, { networkMode: FleetNetworkMode.AWS_VPC })).not.toThrow();
    });

    test('refuses blueGreen options on a rolling service', () => {
      expect(() => blueGreenStack({ bakeTime: Duration.minutes(5) }, { deploymentStrategy: FleetDeploymentStrategy.ROLLING })).toThrow(/blueGreen options are given, but deploymentStrategy is not BLUE_GREEN/);
      expect(() => blueGreenStack({ bakeTime: Duration.minutes(5) }, { deploymentStrategy: FleetDeploymentStrategy.BLUE_GREEN })).not.toThrow();
    });

    test('refuses the default route: ECS shifts a rule, not the listener\'s default action', () => {
      expect(() => blueGreenStack({}, {}, {})).toThrow(/Test\/Lb: the default route .* goes to Test\/Api, which deploys blue\/green.*Fix: give the route a path, e.g. \{ path: '\/\*' \}/);
      expect(() => blueGreenStack({}, {}, { path: '/*' })).not.toThrow();
    });

    test('refuses a second route of the service on the same load balancer', () => {
      const { lb, service } = blueGreenStack();
      expect(() => lb.route(service, { path: '/v2/*' })).toThrow(/already routed by this load balancer: ECS shifts one production rule per target group/);
    });

    test('a rolling service keeps several routes and the default route', () => {
      const stack = testStack();
      const cluster = new FleetCluster(stack, 'Cluster');
      const lb = new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc });
      const service = new FleetService(stack, 'Api', { cluster, image: 'nginx:1.27', containerPort: 80, networkMode: FleetNetworkMode.AWS_VPC });
      expect(() => { lb.route(service, { path: '/a/*' }); lb.route(service, { path: '/b/*' }); lb.route(service); }).not.toThrow();
      Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', { Actions: [{ Type: 'forward', TargetGroupArn: { Ref: Match.anyValue() } }] });
    });

    test('refuses a bake time beyond a day or in seconds, and a test listener on a production port', () => {
      expect(() => blueGreenStack({ bakeTime: Duration.minutes(1441) })).toThrow(/bakeTime/);
      expect(() => blueGreenStack({ bakeTime: Duration.seconds(90) })).toThrow(/bakeTime/);
      expect(() => blueGreenStack({ bakeTime: Duration.minutes(1440) })).not.toThrow();
      expect(() => blueGreenStack({ testListenerPort: 80 })).toThrow(/testListenerPort 80 is a production listener's port.*Fix: choose another port/);
      expect(() => blueGreenStack({ testListenerPort: 70_000 })).toThrow(/testListenerPort/);
      expect(() => blueGreenStack({ testTrafficCidrs: ['10.0.0.0/8'] })).toThrow(/testTrafficCidrs is given without a testListenerPort/);
    });
  });
});

describe('deploy-time review (round 2)', () => {
  test('the service waits for the role ECS uses in CreateService, policy included, so a first create never races IAM', () => {
    const { template } = blueGreenStack();
    const [service] = Object.values<any>(template.findResources('AWS::ECS::Service'));
    const policies = Object.keys(template.findResources('AWS::IAM::Policy')).filter((id) => /BlueGreenRoleDefaultPolicy/.test(id));
    expect(policies).toHaveLength(1);
    expect(service.DependsOn).toEqual(expect.arrayContaining(policies));
  });
});
