import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { ComposeProject } from '../../lib/compose/compose-project';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { FleetService } from '../../lib/service/fleet-service';
import { FleetNetworkMode } from '../../lib/service/networking';
import { testStack } from '../support/fixtures';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'x-fleet-network-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function project(yaml: string) {
  fs.writeFileSync(path.join(dir, 'compose.yaml'), yaml);
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster', { minCapacity: 1 });
  const loadBalancer = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc, allowedCidrs: ['203.0.113.0/24'] });
  const p = new ComposeProject(stack, 'Compose', { composeFile: path.join(dir, 'compose.yaml'), cluster, loadBalancer });
  return { stack, project: p };
}

describe('x-fleet.network', () => {
  test('awsvpc runs the service in awsvpc mode; its routes and published ports register the tasks by IP on the container port', () => {
    const { stack, project: p } = project('services:\n  api:\n    image: nginx:1.27\n    ports: ["8081:80"]\n    x-fleet:\n      network: awsvpc\n      routes: [{path: /api/*}]\n  db:\n    image: postgres:16\n');
    const services = p.node.findAll().filter((c): c is FleetService => c instanceof FleetService);
    expect(services.map((s) => [s.node.id, s.networkMode])).toEqual([['api', FleetNetworkMode.AWS_VPC], ['db', FleetNetworkMode.BRIDGE]]);
    const all = [stack, ...stack.node.findAll().filter((c) => (c as { nestedStackResource?: unknown }).nestedStackResource !== undefined)];
    const templates = all.map((s) => Template.fromStack(s as never));
    const taskDefinitions = templates.flatMap((t) => Object.values(t.findResources('AWS::ECS::TaskDefinition')));
    expect(taskDefinitions.map((d) => d.Properties.NetworkMode).sort()).toEqual(['awsvpc', 'bridge']);
    const groups = templates.flatMap((t) => Object.values(t.findResources('AWS::ElasticLoadBalancingV2::TargetGroup')));
    // The route's target group and the published port's.
    expect(groups.map((g) => g.Properties.TargetType)).toEqual(['ip', 'ip']);
    const ingress = templates.flatMap((t) => Object.values(t.findResources('AWS::EC2::SecurityGroupIngress'))).map((r) => r.Properties)
      .filter((r) => JSON.stringify(r.GroupId).includes('apiSecurityGroup'));
    expect(ingress.length).toBeGreaterThan(0);
    expect(ingress.filter((r) => r.FromPort === 32768)).toEqual([]);
    expect(ingress.some((r) => r.FromPort === 80 && r.ToPort === 80 && JSON.stringify(r.SourceSecurityGroupId).includes('LoadBalancerSecurityGroup'))).toBe(true);
  });

  test('bridge, or no network, keeps bridge mode', () => {
    const { stack } = project('services:\n  api:\n    image: nginx:1.27\n    x-fleet: {network: bridge}\n');
    const all = [stack, ...stack.node.findAll().filter((c) => (c as { nestedStackResource?: unknown }).nestedStackResource !== undefined)];
    const modes = all.flatMap((s) => Object.values(Template.fromStack(s as never).findResources('AWS::ECS::TaskDefinition'))).map((d) => d.Properties.NetworkMode);
    expect(modes).toEqual(['bridge']);
  });

  test('another value is an error at its position in the file', () => {
    expect(() => project('services:\n  api:\n    image: nginx:1.27\n    x-fleet: {network: host}\n')).toThrow(/compose\.yaml:4:\d+: x-fleet: network 'host' is not one of bridge, awsvpc/);
  });
});
