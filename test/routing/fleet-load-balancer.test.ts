import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { FleetLoadBalancer, FleetLoadBalancerProps } from '../../lib/routing/fleet-load-balancer';
import { FleetService } from '../../lib/service/fleet-service';
import { preferredSlot, routeKey } from '../../lib/routing/priorities';
import { RegionalEndpoint } from '../../lib/rollout/regional-endpoint';
import { unitTestApp } from '../support/app';
import { bootService, testStack } from '../support/fixtures';

function setup(props: Partial<FleetLoadBalancerProps> = {}) {
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster');
  const lb = new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc, ...props });
  const service = (id: string, port = 80) => bootService(stack, cluster, { containerPort: port, image: 'nginx:1.27' }, id);
  return { stack, cluster, lb, service };
}

describe('FleetLoadBalancer', () => {
  describe('the reference layout: one ALB, path rules, a target group per service', () => {
    const { stack, cluster, lb } = setup();
    const boot = bootService(stack, cluster);
    const api = bootService(stack, cluster, { containerPort: 80, image: 'nginx:1.27' }, 'api');
    lb.route(boot, { path: '/*' });
    const apiRoute = lb.route(api, { path: '/api/*', healthCheckPath: '/health' });
    const template = Template.fromStack(stack);

    test('is internet-facing with an HTTP listener whose default answers 404', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing' });
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80, Protocol: 'HTTP',
        DefaultActions: [Match.objectLike({ Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '404' }) })],
      });
    });

    test('has one target group per service, on the container port, with a 30 s deregistration delay', () => {
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Port: 8080, Protocol: 'HTTP', TargetType: 'instance',
        TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
        HealthCheckPath: '/',
      });
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 80, HealthCheckPath: '/health' });
    });

    test('assigns priorities so the specific path is evaluated before the catch-all', () => {
      const rules = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule')).map((r) => r.Properties);
      const priorityOf = (path: string) => rules.find((r) => r.Conditions[0].PathPatternConfig.Values[0] === path)!.Priority;
      expect(priorityOf('/api/*')).toBeLessThan(priorityOf('/*'));
      expect(stack.resolve(apiRoute.priority)).toBe(priorityOf('/api/*'));
    });

    test('registers the service with its container and port, and lets the ALB reach the dynamic host ports only', () => {
      template.hasResourceProperties('AWS::ECS::Service', {
        LoadBalancers: [{ ContainerName: 'app', ContainerPort: 8080, TargetGroupArn: Match.anyValue() }],
        HealthCheckGracePeriodSeconds: 60,
      });
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        FromPort: 32768, ToPort: 65535, IpProtocol: 'tcp',
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClusterInstanceSecurityGroup'), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('LbSecurityGroup'), 'GroupId'] },
      });
    });

    test('writes access logs to an encrypted bucket that only accepts TLS', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]),
      });
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: Match.anyValue(),
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      });
    });

    test('exposes the DNS name of each route', () => {
      expect(apiRoute.dnsName).toBe(lb.loadBalancer.loadBalancerDnsName);
      expect(apiRoute.loadBalancer).toBe(lb.loadBalancer);
    });
  });

  test('adding a service does not renumber the existing rules', () => {
    const priorities = (paths: string[]) => {
      const { stack, lb, service } = setup();
      paths.forEach((p, i) => lb.route(service(`s${i}`), { path: p }));
      const rules = Object.values(Template.fromStack(stack).findResources('AWS::ElasticLoadBalancingV2::ListenerRule')).map((r) => r.Properties);
      return Object.fromEntries(rules.map((r) => [r.Conditions[0].PathPatternConfig.Values[0], r.Priority]));
    };
    const before = priorities(['/a/*', '/b/*', '/*']);
    const after = priorities(['/new/*', '/a/*', '/b/*', '/*']);
    for (const path of Object.keys(before)) expect(after[path]).toBe(before[path]);
  });

  test('with a certificate it serves HTTPS and redirects HTTP', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster');
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:111111111111:certificate/abc');
    const lb = new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc, certificate });
    lb.route(bootService(stack, cluster), { host: 'app.example.com' });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: Match.anyValue() }] });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80, DefaultActions: [{ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }) }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      ListenerArn: { Ref: Match.stringLikeRegexp('LbHttps') },
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['app.example.com'] } }],
    });
  });

  test('admits only the allowed CIDRs, and an internal ALB sits in private subnets', () => {
    const { stack, lb, service } = setup({ allowedCidrs: ['203.0.113.0/24'], internetFacing: false, deregistrationDelay: Duration.seconds(10) });
    lb.route(service('a'), { path: '/a/*' });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Load balancer Test/Lb',
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '203.0.113.0/24', FromPort: 80 })],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '10' }]),
    });
  });

  test('a route with neither host nor path becomes the listener default', () => {
    const { stack, lb, service } = setup();
    const route = lb.route(service('web'));
    expect(route.rule).toBeUndefined();
    Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      DefaultActions: [Match.objectLike({ Type: 'forward' })],
    });
  });

  test('a service routed twice on one ALB shares one target group', () => {
    const { stack, lb, service } = setup();
    const web = service('web');
    lb.route(web, { path: '/a/*' });
    lb.route(web, { path: '/b/*' });
    Template.fromStack(stack).resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    Template.fromStack(stack).resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 2);
  });

  describe('quotas', () => {
    test('host-based routes spread over further load balancers when allowed, a host staying on one', () => {
      const { lb, service } = setup({ maxLoadBalancers: 2 });
      const routes = Array.from({ length: 150 }, (_, i) => lb.route(service(`s${i}`), { host: `s${i}.example.com` }));
      const again = lb.route(routes[120].service, { host: 's120.example.com', path: '/v2/*' });
      expect(lb.loadBalancers).toHaveLength(2);
      expect(routes[0].loadBalancer).toBe(lb.loadBalancers[0]);
      expect(routes[99].loadBalancer).toBe(lb.loadBalancers[0]);
      expect(routes[100].loadBalancer).toBe(lb.loadBalancers[1]);
      expect(again.loadBalancer).toBe(routes[120].loadBalancer);
      expect(routes[100].dnsName).toBe(lb.loadBalancers[1].loadBalancerDnsName);
    });

    test('more routes than the allowed load balancers hold fail, naming the quota and the fix', () => {
      const { lb, service } = setup();
      for (let i = 0; i < 100; i++) lb.route(service(`s${i}`), { host: `s${i}.example.com` });
      expect(() => lb.route(service('s100'), { host: 's100.example.com' }))
        .toThrow(/Test\/Lb: route 101 .* does not fit: 1 load balancer\(s\) are full \(ALB quotas: 100 rules and 100 target groups.*Fix: raise maxLoadBalancers/);
    });

    test('routes of one host cannot be split over load balancers', () => {
      const { lb, service } = setup({ maxLoadBalancers: 5 });
      const web = service('web');
      for (let i = 0; i < 100; i++) lb.route(web, { path: `/p${i}/*` });
      expect(() => lb.route(web, { path: '/p100/*' })).toThrow(/routes without a host exceed one load balancer's quotas \(100 rules/);
    });

    test('even more routes than any layout can hold fail', () => {
      const { lb, service } = setup({ maxLoadBalancers: 20 });
      expect(() => {
        for (let i = 0; i <= 2000; i++) lb.route(service(`s${i}`), { host: `s${i}.example.com` });
      }).toThrow(/route 2001 .* 20 load balancer\(s\) are full/);
    });
  });

  describe('rejects bad input at synth, naming the construct and the fix', () => {
    test('a duplicate route names both services', () => {
      const { lb, service } = setup();
      lb.route(service('first'), { path: '/api/*', host: 'A.example.com' });
      expect(() => lb.route(service('second'), { path: '/api/*', host: 'a.example.com' }))
        .toThrow(/Test\/Lb: duplicate route: host 'a.example.com' path '\/api\/\*' is routed to both Test\/first and Test\/second\. Fix: give one of them another path or host/);
    });

    test('two default routes', () => {
      const { lb, service } = setup();
      lb.route(service('first'));
      expect(() => lb.route(service('second'))).toThrow(/the default route \(no host, no path\) is routed to both Test\/first and Test\/second/);
    });

    test.each([
      [{ path: 'api/*' }, /path 'api\/\*' is not valid: it does not start with '\/'/],
      [{ path: '/a b' }, /path '\/a b' is not valid: it holds characters/],
      [{ path: `/${'x'.repeat(130)}` }, /is 131 characters long; ALB allows 128/],
      [{ host: 'localhost' }, /host 'localhost' is not valid: it has no '.'/],
      [{ host: 'a_b.example.com' }, /host 'a_b.example.com' is not valid/],
    ])('route %j', (options, message) => {
      const { lb, service } = setup();
      expect(() => lb.route(service('svc'), options)).toThrow(message);
    });

    test('a service without a port', () => {
      const stack = testStack();
      const cluster = new FleetCluster(stack, 'Cluster');
      const lb = new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc });
      const worker = new FleetService(stack, 'worker', { cluster, image: 'busybox' });
      expect(() => lb.route(worker, { path: '/*' })).toThrow(/Test\/worker: the service is routed from a load balancer but has no containerPort\. Fix: set containerPort/);
    });

    test.each([
      [{ maxLoadBalancers: 0 }, /maxLoadBalancers 0 is not valid/],
      [{ deregistrationDelay: Duration.hours(2) }, /deregistrationDelay 2 hours is not valid. Fix: use whole seconds, 0 seconds to 1 hour/],
      [{ allowedCidrs: ['office'] }, /allowedCidrs holds 'office', which is not a CIDR block/],
    ])('props %j', (props, message) => {
      expect(() => setup(props)).toThrow(message);
    });
  });
});

test('an internal load balancer in a VPC without private subnets still synthesizes', () => {
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0 });
  const lb = new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc, internetFacing: false });
  lb.route(bootService(stack, cluster), { path: '/*' });
  Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
});

describe('priority collisions and pinned priorities', () => {
  // Two exact hosts (same band) whose hashes want the same slot.
  const colliding = (() => {
    const bySlot = new Map<number, string>();
    for (let i = 0; ; i++) {
      const host = `h${i}.example.com`;
      const slot = preferredSlot(routeKey({ host }));
      if (bySlot.has(slot)) return [bySlot.get(slot)!, host].sort();
      bySlot.set(slot, host);
    }
  })();

  test('a hash collision needs no warning: adding or removing a route can no longer move a rule onto a held priority', () => {
    const { stack, lb, service } = setup();
    lb.route(service('a'), { host: colliding[0] });
    lb.route(service('b'), { host: colliding[1] });
    expect(Annotations.fromStack(stack).findWarning('/Test/Lb', Match.stringLikeRegexp('priorityCollision|preferred slot'))).toHaveLength(0);
  });

  test('a pinned priority is kept, never given to another route', () => {
    const pinned = () => {
      const { stack, lb, service } = setup();
      lb.route(service('a'), { host: colliding[0] });
      lb.route(service('b'), { host: colliding[1], priority: 7 });
      return stack;
    };
    // Each assertion synthesizes; aws-cdk-lib's ECS cluster cannot be synthesized twice, so build it twice.
    Template.fromStack(pinned()).hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 7, Conditions: [Match.objectLike({ HostHeaderConfig: { Values: [colliding[1]] } })],
    });
    expect(Annotations.fromStack(pinned()).findWarning('/Test/Lb', Match.stringLikeRegexp('preferred slot'))).toHaveLength(0);
  });

  test('rejects a pinned priority out of range or pinned twice', () => {
    const { lb, service } = setup();
    expect(() => lb.route(service('a'), { path: '/a/*', priority: 0 })).toThrow(/priority 0 is out of range\. Fix: use a whole number from 1 to 50000/);
    lb.route(service('b'), { path: '/b/*', priority: 10 });
    expect(() => lb.route(service('c'), { path: '/c/*', priority: 10 })).toThrow(/priority 10 is already pinned by the route to Test\/b/);
  });
});

describe('bad input users actually type', () => {
  test.each([
    [{ allowedCidrs: [] }, /Test\/Lb: allowedCidrs is empty.*Fix: list the client ranges to admit/],
    [{ allowedCidrs: ['203.0.113.0/33'] }, /allowedCidrs holds '203\.0\.113\.0\/33', which is not a CIDR block: its prefix length \/33 is above \/32/],
    [{ allowedCidrs: ['2001:db8::/129'] }, /its prefix length \/129 is above \/128/],
    [{ allowedCidrs: ['300.0.113.0/24'] }, /an octet is above 255/],
  ])('props %j fail at synth', (props, message) => {
    expect(() => setup(props)).toThrow(message);
  });

  test('an empty allowedCidrs is never read as anywhere', () => {
    expect(() => setup({ allowedCidrs: [] })).toThrow();
    const { stack, lb, service } = setup({ allowedCidrs: ['2001:db8::/32'] });
    lb.route(service('a'), { path: '/a/*' });
    const groups = Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: 'Load balancer Test/Lb' } });
    expect(JSON.stringify(groups)).not.toContain('0.0.0.0/0');
  });

  test('a health-check path without a leading slash', () => {
    const { lb, service } = setup();
    expect(() => lb.route(service('a'), { path: '/a/*', healthCheckPath: 'health' }))
      .toThrow(/route for Test\/a: healthCheckPath 'health' does not start with '\/'\. Fix: use '\/health'/);
  });

  test('a certificate from another region than the stack', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster');
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/abc');
    expect(() => new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc, certificate }))
      .toThrow(/certificate .* is in us-east-1, but the stack deploys to eu-west-1.*Fix: request or import the certificate in eu-west-1/);
  });

  test('a certificate ARN that is a token is not judged', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster');
    const arn = new CfnParameter(stack, 'CertArn').valueAsString;
    expect(() => new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc, certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', arn) })).not.toThrow();
  });

  test('an HTTPS load balancer whose regional health check probes plain HTTP gets a warning', () => {
    const build = (protocol: elbv2.ApplicationProtocol) => {
      const stack = testStack();
      const cluster = new FleetCluster(stack, 'Cluster');
      const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:111111111111:certificate/abc');
      const lb = new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc, certificate });
      lb.route(bootService(stack, cluster), { path: '/*' });
      const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { zoneName: 'example.com', hostedZoneId: 'Z1' });
      new RegionalEndpoint(stack, 'Endpoint', { zone, recordName: 'app.example.com', loadBalancer: lb.loadBalancer, healthCheckProtocol: protocol });
      return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('probes Test/Lb over HTTP'));
    };
    expect(build(elbv2.ApplicationProtocol.HTTP)).toHaveLength(1);
    expect(build(elbv2.ApplicationProtocol.HTTPS)).toHaveLength(0);
  });

  test("the README's first example works in an environment-agnostic stack: access logs are skipped with a warning naming the fix", () => {
    const stack = new Stack(unitTestApp(), 'Agnostic');
    const cluster = new FleetCluster(stack, 'Cluster');
    const lb = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc });
    lb.route(bootService(stack, cluster), { path: '/*' });
    expect(lb.accessLogBucket).toBeUndefined();
    // One synthesis per app: the ECS cluster cannot be synthesized twice.
    Annotations.fromStack(stack).hasWarning('/Agnostic/LoadBalancer', Match.stringLikeRegexp('access logs are off: the stack is environment-agnostic.*env: \\{ account, region \\}'));
  });

  test('a routed service gets a 60 s health check grace period (aws-cdk-lib sets it once a target group is attached)', () => {
    const { stack, lb, service } = setup();
    lb.route(service('a'), { path: '/a/*' });
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::Service', { HealthCheckGracePeriodSeconds: 60 });
  });
});

describe('deployed rules', () => {
  test('a deployed rule moves to its stateless priority when it is free; a new rule avoids every deployed priority and gets a warning', () => {
    const { stack, lb, service } = setup();
    const a = lb.route(service('a'), { path: '/a' });
    const b = lb.route(service('b'), { path: '/b' });
    const idOf = (cfn: elbv2.CfnListenerRule | elbv2.CfnListener) => `${Stack.of(cfn).templateFile}#${Stack.of(cfn).resolve(cfn.logicalId)}`;
    const listener = idOf(lb.loadBalancer.listeners[0].node.defaultChild as elbv2.CfnListener);
    const [statelessOfA, statelessOfB] = [stack.resolve(a.priority), stack.resolve(b.priority)];
    const deployed = [
      { ruleId: idOf(a.rule!.node.defaultChild as elbv2.CfnListenerRule), listener, priority: 7 },
      { ruleId: 'Test.template.json#Removed', listener, priority: statelessOfB },
    ];
    const again = setup({ deployedRules: deployed });
    const a2 = again.lb.route(again.service('a'), { path: '/a' });
    const b2 = again.lb.route(again.service('b'), { path: '/b' });
    expect(again.stack.resolve(a2.priority)).toBe(statelessOfA);
    expect([7, statelessOfB]).not.toContain(again.stack.resolve(b2.priority));
    Annotations.fromStack(again.stack).hasWarning('/Test/Lb', Match.stringLikeRegexp('1 listener rule\\(s\\) \\( /b\\) cannot take their stateless priority.*Deploy the next change with the deployed rules too'));
    // With the same routes and no rule in the way, nothing is pending: no warning.
    const settled = setup({ deployedRules: [deployed[0]] });
    settled.lb.route(settled.service('a'), { path: '/a' });
    settled.lb.route(settled.service('b'), { path: '/b' });
    expect(Annotations.fromStack(settled.stack).findWarning('/Test/Lb', Match.stringLikeRegexp('stateless priority'))).toHaveLength(0);
  });

  test('a pin on a priority another deployed rule holds gets a warning', () => {
    const { stack, lb, service } = setup({ deployedRules: [{ ruleId: 'Test.template.json#Gone', listener: 'Test.template.json#LbHttp5D1E9BB4', priority: 9 }] });
    lb.route(service('a'), { path: '/a', priority: 9 });
    const listener = lb.loadBalancer.listeners[0].node.defaultChild as elbv2.CfnListener;
    expect(`Test.template.json#${stack.resolve(listener.logicalId)}`).toBe('Test.template.json#LbHttp5D1E9BB4');
    Annotations.fromStack(stack).hasWarning('/Test/Lb', Match.stringLikeRegexp('pins priority 9, which the deployed rule Test.template.json#Gone holds'));
  });
});

describe('mistakes that used to pass silently or end in an aws-cdk-lib error', () => {
  test.each([['200-600'], ['OK'], ['200-'], ['199'], ['500'], ['299-200'], ['200, 202'], ['']])(
    "healthyHttpCodes '%s' fails at synth, naming the route, the value and what ALB accepts", (codes) => {
      const { lb, service } = setup();
      expect(() => lb.route(service('a'), { path: '/a/*', healthyHttpCodes: codes }))
        .toThrow(new RegExp(`Test/Lb: route for Test/a: healthyHttpCodes '${codes}' is not valid: .*Fix: give HTTP codes from 200 to 499`));
    });

  test.each([['200'], ['200,202'], ['200-299'], ['200-299,301,404'], ['499']])("healthyHttpCodes '%s' is accepted and reaches the target group", (codes) => {
    const { stack, lb, service } = setup();
    lb.route(service('a'), { path: '/a/*', healthyHttpCodes: codes });
    Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Matcher: { HttpCode: codes } });
  });

  test('healthyHttpCodes that is a token is not judged', () => {
    const { stack, lb, service } = setup();
    const codes = new CfnParameter(stack, 'Codes').valueAsString;
    expect(() => lb.route(service('a'), { path: '/a/*', healthyHttpCodes: codes })).not.toThrow();
  });

  test('a second route of a service asking for another health check gets a warning naming both; the same check does not', () => {
    const { stack, lb, service } = setup();
    const web = service('web');
    const other = service('other');
    lb.route(web, { path: '/a/*', healthCheckPath: '/health' });
    lb.route(web, { path: '/b/*', healthCheckPath: '/b/health', healthyHttpCodes: '200' });
    lb.route(other, { path: '/c/*', healthCheckPath: '/ready' });
    lb.route(other, { path: '/d/*', healthCheckPath: '/ready' });
    lb.route(other, { path: '/e/*' });
    const warnings = Annotations.fromStack(stack).findWarning('/Test/Lb', Match.stringLikeRegexp('already has a target group'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toMatch(new RegExp("the route to Test/web \\(host '\\*' path '/b/\\*'\\) asks for healthCheckPath '/b/health' and healthyHttpCodes '200', "
      + "but Test/web already has a target group on this load balancer, made by its route \\(host '\\*' path '/a/\\*'\\), which checks path '/health' for codes '200-399'.*"
      + 'Give every route of Test/web the same healthCheckPath and healthyHttpCodes'));
    // One synthesis per app (the ECS cluster cannot be synthesized twice): the template of the same assembly.
    const t = Template.fromJSON((stack.node.root as App).synth().getStackArtifact(stack.artifactId).template);
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/health' });
  });

  test('allowedCidrs with host bits set gets a warning naming the network it admits; a clean network does not', () => {
    const { stack } = setup({ allowedCidrs: ['203.0.113.7/24', '198.51.100.0/24', '2001:db8::1/32'] });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Test/Lb', Match.stringLikeRegexp("allowedCidrs holds 203\\.0\\.113\\.7/24, which has host bits set: it admits the whole network 203\\.0\\.113\\.0/24.*'203\\.0\\.113\\.7/32' for the one address"));
    annotations.hasWarning('/Test/Lb', Match.stringLikeRegexp("allowedCidrs holds 2001:db8::1/32, .*network 2001:db8::/32.*'2001:db8::1/128'"));
    expect(annotations.findWarning('/Test/Lb', Match.stringLikeRegexp('198\\.51\\.100\\.0/24'))).toHaveLength(0);
  });

  test('an internal load balancer in a VPC imported without vpcCidrBlock fails at the load balancer, saying what to pass', () => {
    const build = (attrs: Partial<ec2.VpcAttributes>, props: Partial<FleetLoadBalancerProps> = {}) => {
      const stack = testStack();
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
        vpcId: 'vpc-1', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-1', 'subnet-2'], privateSubnetRouteTableIds: ['rtb-1', 'rtb-2'], ...attrs,
      });
      return new FleetLoadBalancer(stack, 'Lb', { vpc, internetFacing: false, ...props });
    };
    expect(() => build({})).toThrow(/^Test\/Lb: the internal load balancer admits its VPC's CIDR block by default, but the VPC Test\/Imported was imported without one\. Fix: pass vpcCidrBlock to Vpc\.fromVpcAttributes.*or give allowedCidrs/);
    expect(() => build({ vpcCidrBlock: '10.1.0.0/16' })).not.toThrow();
    expect(() => build({}, { allowedCidrs: ['10.1.0.0/16'] })).not.toThrow();
  });
});
