import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { ComposeProject } from '../../lib/compose/compose-project';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { testStack } from '../support/fixtures';

/** Compose keys ECS on EC2 supports that used to map to nothing (issue 21): deploy.mode global, volumes_from, logging options. */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-keys-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function project(yaml: string): { stack: Stack; template: () => Template } {
  fs.writeFileSync(path.join(dir, 'compose.yaml'), yaml);
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
  const loadBalancer = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc, allowedCidrs: ['203.0.113.0/24'] });
  new ComposeProject(stack, 'Compose', { composeFile: path.join(dir, 'compose.yaml'), cluster, loadBalancer });
  return { stack, template: () => Template.fromStack(stack) };
}

const serviceOf = (template: Template, id: RegExp) =>
  Object.entries(template.findResources('AWS::ECS::Service')).find(([logicalId]) => id.test(logicalId))![1].Properties;

describe('deploy.mode: global', () => {
  test('becomes a DAEMON service with the EC2 launch type, without a capacity provider strategy or a count', () => {
    const { template } = project('services:\n  agent:\n    image: fluent/fluent-bit:3.1\n    deploy:\n      mode: global\n  web:\n    image: nginx\n');
    const t = template();
    expect(serviceOf(t, /agent/)).toEqual(expect.objectContaining({ SchedulingStrategy: 'DAEMON', LaunchType: 'EC2' }));
    expect(serviceOf(t, /agent/)).not.toHaveProperty('CapacityProviderStrategy');
    expect(serviceOf(t, /agent/)).not.toHaveProperty('DesiredCount');
    expect(serviceOf(t, /agent/)).not.toHaveProperty('PlacementStrategies');
    expect(serviceOf(t, /agent/).DeploymentConfiguration).toEqual(expect.objectContaining({ MaximumPercent: 100 }));
    // The other services stay replicas on the capacity provider.
    expect(serviceOf(t, /web/)).toEqual(expect.objectContaining({ SchedulingStrategy: 'REPLICA', DesiredCount: 1, CapacityProviderStrategy: [expect.objectContaining({ Weight: 1 })] }));
  });

  test('a global service with a published port is routed like any other (one target per instance)', () => {
    const { template } = project('services:\n  web:\n    image: nginx\n    ports: ["80:80"]\n    deploy:\n      mode: global\n');
    const web = serviceOf(template(), /web/);
    expect(web).toEqual(expect.objectContaining({ SchedulingStrategy: 'DAEMON', LaunchType: 'EC2' }));
    expect(web.LoadBalancers).toEqual([expect.objectContaining({ ContainerName: 'web', ContainerPort: 80 })]);
  });

  test('replicated (the default) stays a replica service', () => {
    const { template } = project('services:\n  web:\n    image: nginx\n    deploy:\n      mode: replicated\n      replicas: 3\n');
    expect(serviceOf(template(), /web/)).toEqual(expect.objectContaining({ SchedulingStrategy: 'REPLICA', DesiredCount: 3 }));
  });
});

describe('logging options of the default driver', () => {
  const yaml = 'services:\n  web:\n    image: nginx\n    logging:\n      options:\n        awslogs-group: Prod-other/app\n        awslogs-region: us-east-1\n'
    + '        awslogs-multiline-pattern: "^INFO"\n        mode: non-blocking\n        max-buffer-size: 8m\n';

  test('kept, into the service\'s own log group and region, whatever group the file names', () => {
    const { template } = project(yaml);
    const t = template();
    const container = Object.values(t.findResources('AWS::ECS::TaskDefinition')).flatMap((r: any) => r.Properties.ContainerDefinitions).find((c: any) => c.Name === 'web');
    expect(container.LogConfiguration).toEqual({
      LogDriver: 'awslogs',
      Options: {
        'awslogs-group': { Ref: expect.stringMatching(/^ComposewebLogs/) },
        'awslogs-stream-prefix': 'web',
        'awslogs-region': 'eu-west-1',
        'awslogs-multiline-pattern': '^INFO',
        'mode': 'non-blocking',
        'max-buffer-size': '8388608b',
      },
    });
    expect(JSON.stringify(t.toJSON())).not.toContain('Prod-other');
  });

  test('the replaced destination is warned', () => {
    const { stack } = project(yaml);
    Annotations.fromStack(stack).hasWarning('/Test/Compose/web', Match.stringLikeRegexp('awslogs-group, awslogs-region replaced'));
  });
});

describe('volumes_from', () => {
  test('is warned with the reason: compose services never share a task, and ECS shares volumes only within one', () => {
    const { stack } = project('services:\n  web:\n    image: nginx\n    volumes_from: [data]\n  data:\n    image: busybox\n    volumes: ["/shared"]\n');
    Annotations.fromStack(stack).hasWarning('/Test/Compose/web', Match.stringLikeRegexp('volumes_from.*each compose service is a task of its own'));
  });
});
