import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ProductionConfig, ProductionStack, ServiceConfig } from '../../lib/environments/production';
import { serviceStackOf } from '../../lib/environments/placement';
import { FleetCapacity } from '../../lib/service/fleet-capacity';
import { unitTestApp } from '../support/app';

const env = { account: '111111111111', region: 'eu-west-1' };
const svc = (name: string, extra: Partial<ServiceConfig> = {}): ServiceConfig => ({ name, image: 'nginx:1.27', containerPort: 80, ...extra });
const build = (config: ProductionConfig) => new ProductionStack(unitTestApp(), 'Prod', { env, config });

describe('ProductionStack', () => {
  test('places each service in a nested stack chosen by its own name, so no other service decides where it goes', () => {
    const names = Array.from({ length: 12 }, (_, i) => `s${i}`);
    const parents = (order: string[]) => {
      const stack = build({ services: order.map((n) => svc(n, { routes: [{ path: `/${n}/*` }] })) });
      return Object.fromEntries(order.map((n) => [n, Stack.of(stack.services[n]).node.id]));
    };
    const before = parents(names);
    const after = parents([...names.slice(0, 3), 'inserted', ...names.slice(4).reverse()]);
    for (const n of names) if (n !== 's3') expect(after[n]).toBe(before[n]);
    for (const n of names) expect(before[n]).toBe(serviceStackOf(n, 10));
  });

  test('an explicit group places a service in that nested stack', () => {
    const stack = build({ services: [svc('a', { group: 'Services1' }), svc('b', { group: 'Legacy' })] });
    expect(Stack.of(stack.services.a).node.id).toBe('Services1');
    expect(Stack.of(stack.services.b).node.id).toBe('Legacy');
  });

  test('renamedFrom keeps the construct id, so a rename changes no logical id', () => {
    const stack = build({ services: [svc('renamed', { renamedFrom: 'old' })] });
    expect(stack.services.renamed.node.id).toBe('old');
  });

  test('a nested stack that would hold more than servicesPerNestedStack services fails, naming them and the fix', () => {
    expect(() => build({ services: [svc('a', { group: 'G' }), svc('b', { group: 'G' })], servicesPerNestedStack: 1 }))
      .toThrow(/nested stack G would hold 2 services \(a, b\), more than servicesPerNestedStack \(1\)\. Fix: give some of them another group/);
  });

  test('creates alias records for exact hosts in the configured zone, once per host', () => {
    const stack = build({
      domain: { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
      services: [
        svc('login', { routes: [{ host: 'login.example.com' }, { host: 'login.example.com', path: '/v2/*' }] }),
        svc('other', { routes: [{ host: 'login.example.com', path: '/other/*' }, { host: '*.example.com' }, { host: 'x.example.org' }] }),
      ],
    });
    const nested = Template.fromStack(Stack.of(stack.services.login));
    nested.resourceCountIs('AWS::Route53::RecordSet', 1);
    nested.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'login.example.com.', Type: 'A', HostedZoneId: 'Z0123456789ABCDEFGHIJ' });
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::Route53::RecordSet'))).toHaveLength(0);
  });

  test('outputs the DNS name of every load balancer', () => {
    const services = Array.from({ length: 101 }, (_, i) => svc(`s${i}`, { routes: [{ host: `s${i}.example.com` }] }));
    const t = Template.fromStack(build({ services, maxLoadBalancers: 2 }));
    t.hasOutput('LoadBalancerDnsName', Match.anyValue());
    t.hasOutput('LoadBalancer2DnsName', Match.anyValue());
  });

  test.each([
    [{ services: [svc('a'), svc('a')] }, /Prod: service 'a' is configured twice/],
    [{ services: [svc('bad name')] }, /service name 'bad name' is not valid/],
    [{ services: [svc('a')], servicesPerNestedStack: 0 }, /servicesPerNestedStack 0 is not valid/],
    [{ services: [svc('a')], serviceStacks: 0 }, /serviceStacks 0 is not valid/],
    [{ services: [svc('a', { group: 'no-dash' })] }, /group 'no-dash' of service 'a' is not valid/],
    [{ services: [svc('a'), svc('b', { renamedFrom: 'a' })] }, /service 'b' is renamed from 'a', which another service still uses/],
    // From JSON the member's name is not its value: it must not quietly become an EC2 service.
    [{ services: [svc('a', { capacity: 'FARGATE' as FleetCapacity })] }, /^Prod: service 'a': capacity "FARGATE" is not a FleetCapacity \(allowed: 'ec2', 'fargate', 'fargate-spot'\). Fix: give 'ec2', 'fargate' or 'fargate-spot'/],
  ])('rejects %j', (config, message) => {
    expect(() => build(config as ProductionConfig)).toThrow(message);
  });

  test("a JSON config's capacity values ('fargate-spot', 'ec2') are taken", () => {
    const stack = build({ services: [svc('spot', { capacity: 'fargate-spot' as FleetCapacity }), svc('ec2', { capacity: 'ec2' as FleetCapacity })] });
    expect([stack.services.spot.capacity, stack.services.ec2.capacity]).toEqual([FleetCapacity.FARGATE_SPOT, FleetCapacity.EC2]);
  });
});

describe('ProductionStack scaling and dashboard (issue 20)', () => {
  test('a service\'s scaling becomes its scalable target, with no DesiredCount; without it the count stays pinned', () => {
    const stack = build({ services: [svc('web', { routes: [{ path: '/*' }], scaling: { minTasks: 2, maxTasks: 10, cpuPercent: 60, requestsPerTarget: 1000 } }), svc('fixed', { desiredCount: 3 })] });
    const web = Template.fromStack(Stack.of(stack.services.web));
    web.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 10 });
    web.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', { PolicyType: 'TargetTrackingScaling', TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 60 }) });
    web.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', { TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 1000, PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }) }) });
    const services = (t: Template) => Object.values<any>(t.findResources('AWS::ECS::Service'));
    expect(services(web).find((s) => JSON.stringify(s).includes('web'))!.Properties.DesiredCount).toBeUndefined();
    expect(services(Template.fromStack(Stack.of(stack.services.fixed)))[0].Properties.DesiredCount).toBe(3);
  });

  test('the environment has one dashboard with a row per service', () => {
    const stack = build({ services: [svc('a', { routes: [{ path: '/a/*' }] }), svc('b')] });
    const dashboards = Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard');
    expect(Object.values<any>(dashboards).map((d) => d.Properties.DashboardName)).toEqual(['Prod']);
    const body = JSON.stringify(dashboards);
    expect(body).toContain('a: requests per minute');
    expect(body).toContain('b: running and desired tasks');
    expect(stack.dashboard.dashboards).toHaveLength(1);
  });
});

describe('resources per nested stack with alarms and scaling (bench finding)', () => {
  test('the default of 25 routed, scaled services per nested stack stays under CloudFormation\'s 500 resources', () => {
    const services = Array.from({ length: 25 }, (_, i) => svc(`s${i}`, { routes: [{ path: `/s${i}/*` }], scaling: { minTasks: 2, maxTasks: 4 } }));
    const stack = build({ services, serviceStacks: 1 });
    const nested = (stack.node.findAll().filter((c) => c instanceof Stack && (c as Stack).nested) as Stack[]);
    expect(nested).toHaveLength(1);
    const resources = Object.keys(Template.fromStack(nested[0]).toJSON().Resources).length;
    expect(resources).toBeGreaterThan(25 * 14);
    expect(resources).toBeLessThanOrEqual(500);
    expect(() => build({ services: [...services, svc('s25', { routes: [{ path: '/s25/*' }] })], serviceStacks: 1 })).toThrow(/more than servicesPerNestedStack \(25\)/);
  });
});
