import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { ComposeProject } from '../../lib/compose/compose-project';
import { NamedVolumeStorage } from '../../lib/compose/plan';
import { ComposeFileError, loadCompose } from '../../lib/compose/load';
import { ComposeSecurityPolicy } from '../../lib/compose/security-policy';
import { composeServiceConfigs } from '../../lib/compose/service-configs';
import { ServicePlan, translateCompose, TranslateOptions } from '../../lib/compose/translate';
import { ProductionStack } from '../../lib/environments/production';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { FleetCapacity } from '../../lib/service/fleet-capacity';
import { FleetService } from '../../lib/service/fleet-service';
import { FleetNetworkMode } from '../../lib/service/networking';
import { unitTestApp } from '../support/app';
import { testStack } from '../support/fixtures';

/** The error's message and fix, as one line. */
function failure(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    const err = e as ComposeFileError;
    return `${err.message}. Fix: ${err.fix}`;
  }
  return 'no error';
}

function plan(yaml: string, options: Partial<TranslateOptions> = {}): ServicePlan {
  const loaded = loadCompose(yaml, { file: 'compose.yaml', lookup: () => undefined });
  return translateCompose(loaded, {
    baseDir: '/project', io: { readFile: () => undefined, isDirectory: () => false }, securityPolicy: ComposeSecurityPolicy.TRUSTED, ...options,
  }).services[0];
}

const service = (keys: string, capacity = 'fargate') => `services:\n  api:\n    image: nginx:1.27\n    x-fleet: {capacity: ${capacity}}\n${keys}`;

describe('x-fleet.capacity (translation)', () => {
  test('fargate and fargate-spot choose the capacity; ec2 or nothing leaves it to the cluster', () => {
    expect(plan(service('')).capacity).toBe(FleetCapacity.FARGATE);
    expect(plan(service('', 'fargate-spot')).capacity).toBe(FleetCapacity.FARGATE_SPOT);
    expect(plan(service('', 'ec2')).capacity).toBe(FleetCapacity.EC2);
    expect(plan('services:\n  api:\n    image: nginx:1.27\n').capacity).toBeUndefined();
  });

  test('another value is an error at its position', () => {
    expect(() => plan(service('', 'lambda'))).toThrow(/compose\.yaml:4:\d+: x-fleet: capacity 'lambda' is not one of ec2, fargate, fargate-spot/);
  });

  test('bridge networking on Fargate is an error at x-fleet.network', () => {
    expect(failure(() => plan('services:\n  api:\n    image: nginx:1.27\n    x-fleet:\n      capacity: fargate\n      network: bridge\n')))
      .toMatch(/compose\.yaml:6:\d+: x-fleet: network bridge cannot run on capacity fargate.*Fix: leave network out/);
    expect(plan('services:\n  api:\n    image: nginx:1.27\n    x-fleet:\n      capacity: fargate\n      network: awsvpc\n').networkMode).toBe(FleetNetworkMode.AWS_VPC);
  });

  test.each<[string, string, RegExp]>([
    ['privileged', '    privileged: true\n', /compose\.yaml:5:5: service 'api': privileged is set, and x-fleet.capacity is fargate: Fargate cannot run it/],
    ['cap_add', '    cap_add: [SYS_PTRACE, NET_ADMIN]\n', /compose\.yaml:5:\d+: service 'api': cap_add adds NET_ADMIN/],
    ['devices', '    devices: ["/dev/fuse:/dev/fuse"]\n', /compose\.yaml:5:5: .*devices are mapped/],
    ['shm_size', '    shm_size: 256m\n', /compose\.yaml:5:5: .*shm_size is set/],
    ['tmpfs', '    tmpfs: /run\n', /compose\.yaml:5:5: .*a tmpfs mount is declared/],
    ['extra_hosts', '    extra_hosts: ["db:10.0.0.5"]\n', /compose\.yaml:5:5: .*extra_hosts is set/],
    ['hostname', '    hostname: api\n', /compose\.yaml:5:5: .*hostname is set/],
    ['deploy.mode global', '    deploy: {mode: global}\n', /compose\.yaml:5:\d+: .*deploy.mode is global/],
    ['a bind mount', '    volumes: ["./cache:/cache", "/srv/data:/data"]\n', /compose\.yaml:5:\d+: .*bind mount of .*cache at \/cache is a folder of an instance.*namedVolumes: NamedVolumeStorage.EFS/],
    ['a named volume on the instances', '    volumes: ["data:/data"]\nvolumes:\n  data: {}\n', /compose\.yaml:5:\d+: .*named volume 'data' is a Docker volume on an instance.*Fix: set namedVolumes: NamedVolumeStorage.EFS/],
    ['a log driver Fargate does not run', '    logging: {driver: journald}\n', /compose\.yaml:5:\d+: .*logging driver journald is set/],
  ])('%s is an error at its line and column on Fargate, and fine on EC2', (_name, keys, message) => {
    expect(failure(() => plan(service(keys)))).toMatch(message);
    expect(() => plan(service(keys, 'ec2'))).not.toThrow();
  });

  test.each<[string, string, RegExp]>([
    ['limits.cpus', "    deploy: {resources: {limits: {cpus: '17'}}}\n", /compose\.yaml:5:\d+: service 'api': the container asks for 17408 CPU units, more than the largest Fargate task \(16384 units, 16 vCPU\), and x-fleet.capacity is fargate.*Fix: lower it to at most 16 vCPU and 120G/],
    ['reservations.cpus', "    deploy:\n      resources:\n        reservations: {cpus: '32'}\n", /compose\.yaml:7:\d+: service 'api': the container asks for 32768 CPU units/],
    ['cpus', '    cpus: 20\n', /compose\.yaml:5:5: service 'api': the container asks for 20480 CPU units/],
    ['limits.memory', '    deploy:\n      resources:\n        limits: {memory: 121G}\n', /compose\.yaml:7:\d+: service 'api': the container asks for 123904 MiB, more than the largest Fargate task \(122880 MiB, 120 GiB\)/],
    ['mem_limit', '    mem_limit: 200g\n', /compose\.yaml:5:5: service 'api': the container asks for 204800 MiB/],
    ['mem_reservation', '    mem_reservation: 130g\n', /compose\.yaml:5:5: service 'api': the container asks for 133120 MiB/],
    ['reservations.memory', '    deploy:\n      resources:\n        reservations: {memory: 125G}\n', /compose\.yaml:7:\d+: service 'api': the container asks for 128000 MiB/],
  ])('%s larger than the largest Fargate task is an error at its line and column on Fargate, and left to the instance check on EC2', (_name, keys, message) => {
    expect(failure(() => plan(service(keys)))).toMatch(message);
    expect(() => plan(service(keys, 'ec2'))).not.toThrow();
  });

  test('the largest Fargate task itself passes: 16 vCPU and 120 GiB', () => {
    const p = plan(service("    deploy: {resources: {limits: {cpus: '16', memory: 120G}}}\n"));
    expect([p.cpu, p.memoryLimitMiB]).toEqual([16_384, 122_880]);
  });

  test('what Fargate runs passes: SYS_PTRACE, init, sysctls, anonymous and EFS named volumes, awslogs', () => {
    const p = plan(service('    cap_add: [SYS_PTRACE]\n    init: true\n    sysctls: {net.core.somaxconn: 1024}\n    volumes: ["/scratch", "data:/data"]\n'
      + '    logging: {driver: awslogs}\nvolumes:\n  data: {}\n'), { namedVolumes: NamedVolumeStorage.EFS });
    expect(p.capAdd).toEqual(['SYS_PTRACE']);
    expect(p.mounts.map((m) => m.kind)).toEqual(['anonymous', 'named']);
  });
});

describe('x-fleet.capacity (ComposeProject)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'x-fleet-capacity-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a Fargate Spot service is a FargateService with task storage for anonymous volumes and EFS admitting its tasks; the other stays on EC2', () => {
    fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  api:\n    image: nginx:1.27\n    volumes: ["/scratch", "data:/data"]\n'
      + '    x-fleet: {capacity: fargate-spot, routes: [{path: /api/*}]}\n  db:\n    image: postgres:16\nvolumes:\n  data: {}\n');
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { minCapacity: 1 });
    const loadBalancer = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc, allowedCidrs: ['203.0.113.0/24'] });
    // Fargate is for trusted files only (an untrusted one could start any number of the largest tasks).
    const p = new ComposeProject(stack, 'Compose', {
      composeFile: path.join(dir, 'compose.yaml'), cluster, loadBalancer, namedVolumes: NamedVolumeStorage.EFS, securityPolicy: ComposeSecurityPolicy.TRUSTED,
    });
    const services = p.node.findAll().filter((c): c is FleetService => c instanceof FleetService);
    expect(services.map((s) => [s.node.id, s.capacity, s.service instanceof ecs.FargateService])).toEqual([
      ['api', FleetCapacity.FARGATE_SPOT, true], ['db', FleetCapacity.EC2, false],
    ]);
    const api = services[0];
    const all = [stack, ...stack.node.findAll().filter((c) => (c as { nestedStackResource?: unknown }).nestedStackResource !== undefined)];
    const templates = all.map((s) => Template.fromStack(s as never));
    const resources = (type: string) => templates.flatMap((t) => Object.values(t.findResources(type)));
    const fargateService = resources('AWS::ECS::Service').find((s) => s.Properties.CapacityProviderStrategy?.[0]?.CapacityProvider === 'FARGATE_SPOT');
    expect(fargateService).toBeDefined();
    const fargateTask = resources('AWS::ECS::TaskDefinition').find((d) => d.Properties.RequiresCompatibilities?.[0] === 'FARGATE')!;
    expect(fargateTask.Properties.Volumes).toEqual(expect.arrayContaining([{ Name: 'anonymous-0' }]));
    expect(JSON.stringify(fargateTask.Properties.Volumes)).not.toContain('DockerVolumeConfiguration');
    expect(resources('AWS::ElasticLoadBalancingV2::TargetGroup').map((g) => g.Properties.TargetType)).toEqual(['ip']);
    const nfs = resources('AWS::EC2::SecurityGroupIngress').map((r) => r.Properties).filter((r) => r.FromPort === 2049);
    expect(nfs.some((r) => JSON.stringify(r.SourceSecurityGroupId).includes(api.node.id + 'SecurityGroup'))).toBe(true);
    templates[0].hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', { CapacityProviders: Match.arrayWith(['FARGATE', 'FARGATE_SPOT']) });
  });
});

describe('x-fleet.capacity (production configs)', () => {
  test('composeServiceConfigs carries the capacity and network mode, and a ProductionStack runs the service on Fargate', () => {
    const yaml = 'services:\n  api:\n    image: nginx:1.27\n    expose: [80]\n    x-fleet: {capacity: fargate, routes: [{path: /*}]}\n';
    const configs = composeServiceConfigs(yaml, { file: 'compose.yaml', baseDir: '/project', io: { readFile: () => undefined, isDirectory: () => false } });
    expect(configs[0]).toMatchObject({ name: 'api', capacity: FleetCapacity.FARGATE });
    const stack = new ProductionStack(unitTestApp(), 'Production', { env: { account: '493827162534', region: 'eu-west-1' }, config: { services: configs } });
    const services = stack.node.findAll().filter((c): c is FleetService => c instanceof FleetService);
    expect(services.map((s) => s.service instanceof ecs.FargateService)).toEqual([true]);
  });
});

describe('x-fleet.capacity on a cluster without NAT (QA)', () => {
  test('an untrusted file (the default BASELINE policy) may not choose Fargate: the ComposeProject fails at its line and column', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'x-fleet-capacity-'));
    try {
      fs.writeFileSync(path.join(dir, 'compose.yaml'), "services:\n  api:\n    image: nginx:1.27\n    deploy: {replicas: 2000, resources: {limits: {cpus: '16', memory: 120G}}}\n    x-fleet: {capacity: fargate}\n");
      const make = (securityPolicy?: ComposeSecurityPolicy) => {
        const stack = testStack();
        const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
        return new ComposeProject(stack, 'Compose', { composeFile: path.join(dir, 'compose.yaml'), cluster, securityPolicy });
      };
      expect(() => make()).toThrow(/compose\.yaml:5:25: service api: x-fleet\.capacity fargate runs the service on Fargate.*Fix: .*ComposeSecurityPolicy\.TRUSTED/);
      expect(() => make(ComposeSecurityPolicy.TRUSTED)).not.toThrow();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the Fargate tasks get public addresses in the public subnets, as the instances do', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'x-fleet-capacity-'));
    try {
      fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  api:\n    image: nginx:1.27\n    x-fleet: {capacity: fargate}\n');
      const stack = testStack();
      const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
      new ComposeProject(stack, 'Compose', { composeFile: path.join(dir, 'compose.yaml'), cluster, securityPolicy: ComposeSecurityPolicy.TRUSTED });
      const all = [stack, ...stack.node.findAll().filter((c) => (c as { nestedStackResource?: unknown }).nestedStackResource !== undefined)];
      const services = all.flatMap((s) => Object.values(Template.fromStack(s as never).findResources('AWS::ECS::Service')));
      expect(services.map((s) => s.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp)).toEqual(['ENABLED']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
