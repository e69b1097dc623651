import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Stack } from 'aws-cdk-lib';
import { containersFitProblem, instanceCapacity, smallestCapacity, taskFitProblem } from '../../lib/cluster/instance-capacity';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { FleetService } from '../../lib/service/fleet-service';
import { unitTestApp } from '../support/app';

describe('instanceCapacity', () => {
  test.each([
    ['t3.small', 2048, 2048], ['t3.medium', 2048, 4096], ['t4g.xlarge', 4096, 16384], ['m6i.large', 2048, 8192],
    ['c7g.medium', 1024, 2048], ['r5.2xlarge', 8192, 65536], ['m7i-flex.4xlarge', 16384, 65536], ['M5.XLARGE', 4096, 16384],
  ])('%s offers %d CPU units and %d MiB', (type, cpu, memoryMiB) => {
    expect(instanceCapacity(type)).toEqual({ cpu, memoryMiB });
  });

  test('types outside the table are not judged', () => {
    expect(instanceCapacity('m5.metal')).toBeUndefined();
    expect(instanceCapacity('p4d.24xlarge')).toBeUndefined();
    expect(taskFitProblem('p4d.24xlarge', 999_999, 999_999)).toBeUndefined();
  });

  test('a task larger than the instance in cpu or memory is a problem; one that fits is not', () => {
    expect(taskFitProblem('t3.small', 4096, 512)).toMatch(/cpu 4096 is more than a t3.small instance has \(2048 CPU units\)/);
    expect(taskFitProblem('t3.small', 256, 4096)).toMatch(/memoryLimitMiB 4096 is more than a t3.small instance has \(2048 MiB\)/);
    expect(taskFitProblem('t3.small', 2048, 2048)).toBeUndefined();
  });
});

describe('smallestCapacity', () => {
  test('takes the least CPU and the least memory over the types (a c and an r type of one size)', () => {
    expect(smallestCapacity(['r6i.large', 'c6i.large', 'm6i.xlarge'])).toEqual({ cpu: 2048, memoryMiB: 4096 });
  });

  test('is undefined when a type is not in the table, or there is none', () => {
    expect(smallestCapacity(['m6i.large', 'x2idn.metal'])).toBeUndefined();
    expect(smallestCapacity([])).toBeUndefined();
  });
});

describe('checks users meet on FleetCluster and FleetService', () => {
  test('a service whose task cannot fit the cluster instance type fails, naming a type that fits', () => {
    const stack = new Stack(unitTestApp(), 'S');
    const cluster = new FleetCluster(stack, 'Cluster', { instanceType: new ec2.InstanceType('t3.small') });
    expect(() => new FleetService(stack, 'big', { cluster, image: 'nginx:1.27', memoryLimitMiB: 3072 }))
      .toThrow(/S\/big: memoryLimitMiB 3072 is more than a t3.small instance has \(2048 MiB\).*Fix: .*larger instanceType \(for example t3.medium\)/);
    expect(() => new FleetService(stack, 'cpu', { cluster, image: 'nginx:1.27', cpu: 4096 })).toThrow(/cpu 4096 is more than a t3.small/);
    expect(() => new FleetService(stack, 'ok', { cluster, image: 'nginx:1.27', cpu: 2048, memoryLimitMiB: 2048 })).not.toThrow();
  });

  test('containers together: the sum of CPU units and memory reservations must fit one instance', () => {
    expect(containersFitProblem('t3.small', [{ name: 'app', cpu: 1024, memoryMiB: 1024 }, { name: 'proxy', cpu: 1536, memoryMiB: 256 }]))
      .toMatch(/the task's 2 containers together reserve 2560 CPU units \(app 1024, proxy 1536\), more than a t3\.small instance has \(2048\)/);
    expect(containersFitProblem('t3.small', [{ name: 'app', cpu: 256, memoryMiB: 1024 }, { name: 'proxy', cpu: 0, memoryMiB: 1536 }]))
      .toMatch(/together reserve 2560 MiB \(app 1024, proxy 1536\), more than a t3\.small instance has \(2048 MiB\)/);
    expect(containersFitProblem('t3.small', [{ name: 'app', cpu: 1024, memoryMiB: 1024 }, { name: 'proxy', cpu: 1024, memoryMiB: 1024 }])).toBeUndefined();
    expect(containersFitProblem('p4d.24xlarge', [{ name: 'app', cpu: 999_999, memoryMiB: 1 }])).toBeUndefined();
  });

  test('a sidecar added through service.taskDefinition.addContainer counts: too large together fails at synth, naming each container', () => {
    const build = (sidecarMiB: number) => {
      const stack = new Stack(unitTestApp(), 'S');
      const cluster = new FleetCluster(stack, 'Cluster', { instanceType: new ec2.InstanceType('t3.small') });
      const service = new FleetService(stack, 'web', { cluster, image: 'nginx:1.27', cpu: 512, memoryLimitMiB: 1024 });
      service.taskDefinition.addContainer('proxy', { image: ecs.ContainerImage.fromRegistry('envoyproxy/envoy:v1.31'), cpu: 256, memoryLimitMiB: 2048, memoryReservationMiB: sidecarMiB });
      return () => Template.fromStack(stack);
    };
    expect(build(1536)).toThrow(/S\/web: the task's 2 containers together reserve 2560 MiB \(app 1024, proxy 1536\), more than a t3\.small instance has \(2048 MiB\), so no task could ever be placed\. Fix: lower the containers' cpu or memory, or give the FleetCluster a larger instanceType \(for example t3\.medium\)/);
    // The sidecar's hard limit may exceed what is left: ECS places by the reservation.
    expect(build(512)).not.toThrow();
  });

  test('a VPC without private subnets with egress fails with the fix, not aws-cdk-lib\'s subnet error', () => {
    const stack = new Stack(unitTestApp(), 'S');
    const vpc = new ec2.Vpc(stack, 'Vpc', { subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }], natGateways: 0 });
    expect(() => new FleetCluster(stack, 'Cluster', { vpc }))
      .toThrow(/S\/Cluster: the vpc has no private subnets with egress \(PRIVATE_WITH_EGRESS\).*it has public subnets\. Fix: add PRIVATE_WITH_EGRESS subnets/);
  });
});
