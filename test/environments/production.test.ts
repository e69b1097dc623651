import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ProductionConfig, ProductionStack, ServiceConfig } from '../../lib/environments/production';
import { unitTestApp } from '../support/app';

const env = { account: '111111111111', region: 'eu-west-1' };
const svc = (name: string, extra: Partial<ServiceConfig> = {}): ServiceConfig => ({ name, image: 'nginx:1.27', containerPort: 80, ...extra });
const build = (config: ProductionConfig) => new ProductionStack(unitTestApp(), 'Prod', { env, config });

describe('ProductionStack', () => {
  test('fills nested stacks in declaration order, so appending a service never moves another', () => {
    const services = Array.from({ length: 5 }, (_, i) => svc(`s${i}`, { routes: [{ path: `/s${i}/*` }] }));
    const stack = build({ services, servicesPerNestedStack: 2 });
    const parentOf = (name: string) => Stack.of(stack.services[name]).node.id;
    expect(['s0', 's1', 's2', 's3', 's4'].map(parentOf)).toEqual(['Services1', 'Services1', 'Services2', 'Services2', 'Services3']);
    Template.fromStack(stack).resourceCountIs('AWS::CloudFormation::Stack', 3);
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
  ])('rejects %j', (config, message) => {
    expect(() => build(config as ProductionConfig)).toThrow(message);
  });
});
