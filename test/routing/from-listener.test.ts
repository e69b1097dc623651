import { Stack, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { fnv1a } from '../../lib/hash';
import { IFleetCluster } from '../../lib/cluster/imported-cluster';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { FleetListenerAttributes } from '../../lib/routing/imported-listener';
import { FleetService, FleetServiceProps } from '../../lib/service/fleet-service';
import { FleetDeploymentStrategy } from '../../lib/service/blue-green';
import { FleetNetworkMode } from '../../lib/service/networking';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FleetPreflightChecks } from '../../lib/preflight';
import { validatedApp } from '../support/app';
import { testStack } from '../support/fixtures';

const LISTENER_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:493827162534:listener/app/platform-alb/50dc6c495c0c9188/f2f7dc8efc522ab2';

/** Everything a platform team runs, imported: a VPC, a cluster with its capacity provider, an ALB listener. */
function platform(options: { instanceType?: ec2.InstanceType; alarmTopicArn?: string; listener?: Partial<FleetListenerAttributes>; stack?: Stack } = {}) {
  const stack = options.stack ?? testStack();
  const alarmTopic = options.alarmTopicArn ? sns.Topic.fromTopicArn(stack, 'Topic', options.alarmTopicArn) : undefined;
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
    publicSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'],
    privateSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
    privateSubnetRouteTableIds: ['rtb-0bbbbbbbbbbbbbbb1', 'rtb-0bbbbbbbbbbbbbbb2'],
    vpcCidrBlock: '10.0.0.0/16',
  });
  const cluster = FleetCluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'platform-cluster',
    vpc,
    capacityProviderName: 'platform-capacity',
    instanceSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'InstanceSg', 'sg-0123456789abcdef1'),
    instanceType: options.instanceType,
    alarmTopic,
  });
  const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Listener', {
    listenerArn: LISTENER_ARN,
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'AlbSg', 'sg-0123456789abcdef2'),
  });
  const routing = FleetLoadBalancer.fromListener(stack, 'Shared', { listener, priorityRange: { from: 1000, to: 1999 }, ...options.listener });
  const service = (id: string, overrides: Partial<FleetServiceProps> = {}) => new FleetService(stack, id, { cluster, image: 'nginx:1.27', containerPort: 80, ...overrides });
  return { stack, vpc, cluster, listener, routing, service };
}

describe('bring your own infrastructure: an imported VPC, cluster and listener (issue 21)', () => {
  const { stack, routing, service } = platform();
  const web = service('web');
  const api = service('api', { containerPort: 8080 });
  const webRoute = routing.route(web, { host: 'shop.example.com' });
  const apiRoute = routing.route(api, { host: 'shop.example.com', path: '/api/*', healthCheckPath: '/health' });
  const template = Template.fromStack(stack);

  test('creates no cluster, load balancer, listener, Auto Scaling group or capacity provider', () => {
    for (const type of ['AWS::ECS::Cluster', 'AWS::ECS::CapacityProvider', 'AWS::ECS::ClusterCapacityProviderAssociations',
      'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::ElasticLoadBalancingV2::Listener', 'AWS::AutoScaling::AutoScalingGroup',
      'AWS::EC2::LaunchTemplate', 'AWS::EC2::SecurityGroup', 'AWS::EC2::VPC']) {
      template.resourceCountIs(type, 0);
    }
  });

  test('runs both services on the imported cluster with its capacity provider', () => {
    template.resourceCountIs('AWS::ECS::Service', 2);
    template.allResourcesProperties('AWS::ECS::Service', {
      Cluster: 'platform-cluster',
      CapacityProviderStrategy: [{ CapacityProvider: 'platform-capacity', Weight: 1 }],
    });
  });

  test('puts the rules on the imported listener, with priorities inside 1000..1999, most specific first', () => {
    const rules = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule')).map((r) => r.Properties);
    expect(rules).toHaveLength(2);
    for (const rule of rules) {
      expect(rule.ListenerArn).toBe(LISTENER_ARN);
      expect(rule.Priority).toBeGreaterThanOrEqual(1000);
      expect(rule.Priority).toBeLessThanOrEqual(1999);
    }
    const resolved = (p: number) => stack.resolve(p) as number;
    expect(resolved(apiRoute.priority)).toBeLessThan(resolved(webRoute.priority));
  });

  test('creates target groups in the imported VPC and registers the services with them', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
    template.allResourcesProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { VpcId: 'vpc-0123456789abcdef0', TargetType: 'instance' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 8080, HealthCheckPath: '/health' });
  });

  test("admits the listener's security group to the imported instance security group on the dynamic host ports", () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0123456789abcdef1', SourceSecurityGroupId: 'sg-0123456789abcdef2', IpProtocol: 'tcp', FromPort: 32768, ToPort: 65535,
    });
    // Nothing else is opened on the instances.
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    expect(ingress.every((r) => r.SourceSecurityGroupId === 'sg-0123456789abcdef2')).toBe(true);
  });

  test("puts the alarm topic under the imported cluster, with the tasks-not-placed alarm on its capacity provider", () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    expect(Object.keys(template.findResources('AWS::SNS::Topic'))[0]).toMatch(/^ClusterAlarmsTopic/);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: Match.arrayWith([{ Name: 'CapacityProviderName', Value: 'platform-capacity' }, { Name: 'ClusterName', Value: 'platform-cluster' }]),
    });
  });

  test("gives each route its alarms, on the listener's load balancer (named by the listener ARN)", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({
        MetricStat: Match.objectLike({
          Metric: Match.objectLike({ Dimensions: Match.arrayWith([{ Name: 'LoadBalancer', Value: 'app/platform-alb/50dc6c495c0c9188' }]) }),
        }),
      })]),
    });
    expect(routing.loadBalancerFullName).toBe('app/platform-alb/50dc6c495c0c9188');
  });

  test('is cdk-nag and preflight clean in a validated app', () => {
    const app = validatedApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new FleetPreflightChecks());
    const imported = platform({ stack: new Stack(app, 'Byo', { env: { account: '493827162534', region: 'eu-west-1' } }), instanceType: new ec2.InstanceType('t3.medium') });
    imported.routing.route(imported.service('web'), { host: 'shop.example.com' });
    expect(() => app.synth()).not.toThrow();
  });

  test('notes once that tasks are not checked to fit when the instance type is not given', () => {
    const infos = Annotations.fromStack(stack).findInfo('/Test/Cluster', Match.stringLikeRegexp('no instanceType given'));
    expect(infos).toHaveLength(1);
  });
});

describe('FleetCluster.fromClusterAttributes', () => {
  test('checks that tasks fit on an instance when the instance type is given', () => {
    const { service } = platform({ instanceType: new ec2.InstanceType('t3.small') });
    expect(() => service('big', { cpu: 4096 })).toThrow(/cpu|CPU/);
  });

  test('skips that check, with no note, only when the instance type is unknown', () => {
    const { stack, service } = platform();
    expect(() => service('big', { cpu: 4096 })).not.toThrow();
    const withType = platform({ instanceType: new ec2.InstanceType('t3.large') });
    withType.service('small');
    expect(Annotations.fromStack(withType.stack).findInfo('*', Match.stringLikeRegexp('no instanceType given'))).toHaveLength(0);
    expect(Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('no instanceType given'))).toHaveLength(1);
  });

  test("uses the platform's alarm topic when given, and creates none", () => {
    const { stack: s, service } = platform({ alarmTopicArn: 'arn:aws:sns:eu-west-1:111111111111:platform-alarms' });
    service('web');
    const template = Template.fromStack(s);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:eu-west-1:111111111111:platform-alarms'] });
  });

  test("routes from a FleetLoadBalancer of your own: its security group is admitted to the imported instance group", () => {
    const { stack, vpc, service } = platform();
    const lb = new FleetLoadBalancer(stack, 'Own', { vpc, accessLogs: false });
    lb.route(service('web'), { path: '/*' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0123456789abcdef1', SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnSecurityGroup'), 'GroupId'] }, FromPort: 32768, ToPort: 65535,
    });
    template.hasResourceProperties('AWS::ECS::Service', { Cluster: 'platform-cluster', LoadBalancers: [Match.objectLike({ ContainerPort: 80 })] });
  });

  test('refuses an empty cluster or capacity provider name', () => {
    const stack = testStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['s-1'] });
    const instanceSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-1');
    expect(() => FleetCluster.fromClusterAttributes(stack, 'A', { clusterName: ' ', vpc, capacityProviderName: 'cp', instanceSecurityGroup })).toThrow(/clusterName is empty/);
    expect(() => FleetCluster.fromClusterAttributes(stack, 'B', { clusterName: 'c', vpc, capacityProviderName: '', instanceSecurityGroup })).toThrow(/capacityProviderName is empty/);
    expect(() => FleetCluster.fromClusterAttributes(stack, 'C', { clusterName: 'c', vpc, capacityProviderName: 'cp', instanceSecurityGroup })).not.toThrow();
  });

  test('a FleetCluster is an IFleetCluster: existing code passing one keeps compiling and running', () => {
    const stack = testStack();
    const cluster: IFleetCluster = new FleetCluster(stack, 'Own');
    const svc = new FleetService(stack, 'svc', { cluster, image: 'nginx:1.27' });
    expect(svc.cluster).toBe(cluster);
    expect(cluster.capacityProviderName).toBe((cluster as FleetCluster).capacityProvider.capacityProviderName);
  });
});

describe('FleetLoadBalancer.fromListener', () => {
  test('refuses a default route (no host, no path): the default action is the owner\'s', () => {
    const { routing, service } = platform();
    expect(() => routing.route(service('web'))).toThrow(/neither host nor path.*Fix: give the route a host or a path/);
    expect(() => routing.route(service('web2'), { path: '/*' })).not.toThrow();
  });

  test.each([
    [{ from: 0, to: 1999 }, /from 0 is not a whole number from 1 to 50000/],
    [{ from: 1000, to: 50001 }, /to 50001 is not a whole number/],
    [{ from: 2000, to: 1999 }, /from 2000 is above to 1999/],
    [{ from: 1.5, to: 1999 }, /from 1.5 is not a whole number/],
    [{ from: 1000, to: 1100 }, /fewer priorities than the 198 route specificities/],
  ])('refuses priorityRange %j', (priorityRange, message) => {
    expect(() => platform({ listener: { priorityRange } })).toThrow(message);
  });

  test.each([[{ from: 1, to: 1 + 197 }], [{ from: 1, to: 50000 }], [{ from: 49803, to: 50000 }]])('accepts priorityRange %j', (priorityRange) => {
    expect(() => platform({ listener: { priorityRange } })).not.toThrow();
  });

  test('keeps a pinned priority inside the range', () => {
    const { stack, routing, service } = platform();
    expect(() => routing.route(service('a'), { path: '/a', priority: 999 })).toThrow(/priority 999 is outside priorityRange 1000..1999/);
    const route = routing.route(service('b'), { path: '/b', priority: 1999 });
    expect(stack.resolve(route.priority)).toBe(1999);
  });

  test('without a range, puts a route in the specificity band a FleetLoadBalancer would', () => {
    const own = testStack();
    const lb = new FleetLoadBalancer(own, 'Lb', { vpc: new FleetCluster(own, 'C').vpc });
    const ownCluster = own.node.findChild('C') as FleetCluster;
    const mine = lb.route(new FleetService(own, 'api', { cluster: ownCluster, image: 'nginx:1.27', containerPort: 80 }), { path: '/api/*' });
    const { stack, routing, service } = platform({ listener: { priorityRange: undefined } });
    const theirs = routing.route(service('api'), { path: '/api/*' });
    // Same band of 250 (so the same most-specific-first order); within it a FleetLoadBalancer alternates halves and
    // keeps a stable region, which a shared listener's plain hashing does not need.
    const band = (p: number) => Math.floor((p - 1) / 250);
    expect(band(stack.resolve(theirs.priority))).toBe(band(own.resolve(mine.priority)));
  });

  test('counts only its own rules against the 100-rule quota, and says so', () => {
    const { routing, service } = platform({ listener: { priorityRange: { from: 1, to: 50000 } } });
    const web = service('web');
    for (let i = 0; i < 100; i++) routing.route(web, { host: `s${i}.example.com` });
    expect(() => routing.route(web, { host: 's100.example.com' })).toThrow(/101th rule .* at most 100 rules .*the owner's rules count too/);
  });

  test('reports a specificity whose share of the range is full, with the range it needs', () => {
    const { stack, routing, service } = platform();
    const web = service('web');
    for (let i = 0; i < 6; i++) routing.route(web, { host: `s${i}.example.com` });
    expect(() => Template.fromStack(stack)).toThrow(/6 routes of the same specificity .* gives each of the 198 specificities 5; widen the range to at least 1188 priorities/);
  });

  test("scales a service on its requests per target, on the listener's load balancer, and skips the capacity check of an imported cluster", () => {
    const { stack, routing, service } = platform({ instanceType: new ec2.InstanceType('t3.small') });
    routing.route(service('web', { scaling: { maxTasks: 500, requestsPerTarget: 1000 } }), { host: 'shop.example.com' });
    const template = Template.fromStack(stack);
    const [policy] = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy')).map((r) => r.Properties);
    const label = stack.resolve(policy.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.ResourceLabel);
    expect(JSON.stringify(label)).toContain('app/platform-alb/50dc6c495c0c9188/');
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { ResourceId: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['service/platform-cluster/'])] }) });
    // The group's maximum size is unknown: no capacity warning, however many tasks.
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('PROVISIONING'))).toHaveLength(0);
  });

  test('warns about a route a hash collision moved within its share, and pins end the warning', () => {
    const hosts = Array.from({ length: 50 }, (_, i) => `h${i}.example.com`);
    const slot = (host: string) => fnv1a(`${host}|`) % 5;
    const [a, b] = hosts.flatMap((x, i) => hosts.slice(i + 1).filter((y) => slot(y) === slot(x)).map((y) => [x, y]))[0];
    const { stack, routing, service } = platform();
    const web = service('web');
    routing.route(web, { host: a });
    const moved = routing.route(web, { host: b });
    const warnings = Annotations.fromStack(stack).findWarning('/Test/Shared', Match.stringLikeRegexp(`got priority ${stack.resolve(moved.priority)} because its preferred slot is held by ${a}`));
    expect(warnings).toHaveLength(1);

    const pinned = platform();
    const web2 = pinned.service('web');
    pinned.routing.route(web2, { host: a });
    pinned.routing.route(web2, { host: b, priority: 1999 });
    expect(Annotations.fromStack(pinned.stack).findWarning('*', Match.stringLikeRegexp('preferred slot'))).toHaveLength(0);
  });

  test('refuses a duplicate route', () => {
    const { routing, service } = platform();
    routing.route(service('a'), { path: '/x' });
    expect(() => routing.route(service('b'), { path: '/x' })).toThrow(/duplicate route/);
  });
});

describe('blue/green on an imported listener (deploy-time review)', () => {
  test('is refused with the fix: its weighted production rule and second target group need a load balancer of the library\'s own', () => {
    const { routing, service } = platform();
    const api = service('Api', { networkMode: FleetNetworkMode.AWS_VPC, deploymentStrategy: FleetDeploymentStrategy.BLUE_GREEN });
    expect(() => routing.route(api, { path: '/api/*' })).toThrow(/deploys blue\/green.*Fix: route it on a FleetLoadBalancer of your own, or deploy it with the rolling strategy/);
  });
});

describe('one routing scope per router id', () => {
  test('a FleetLoadBalancer and an imported listener of one id routing one service are refused, naming the fix', () => {
    const { stack, cluster, service, listener } = platform();
    const api = service('Api');
    new FleetLoadBalancer(stack, 'Edge', { vpc: cluster.vpc, accessLogs: false }).route(api, { path: '/a/*' });
    const scope = new Construct(stack, 'Other');
    const imported = FleetLoadBalancer.fromListener(scope, 'Edge', { listener, priorityRange: { from: 1000, to: 1999 } });
    expect(() => imported.route(api, { path: '/b/*' })).toThrow(/already routed by another load balancer or listener with the id 'Edge'.*Fix: give them distinct ids/);
  });
});
