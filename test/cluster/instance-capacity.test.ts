import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Stack } from 'aws-cdk-lib';
import { instanceCapacity, taskFitProblem } from '../../lib/cluster/instance-capacity';
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

describe('checks users meet on FleetCluster and FleetService', () => {
  test('a service whose task cannot fit the cluster instance type fails, naming a type that fits', () => {
    const stack = new Stack(unitTestApp(), 'S');
    const cluster = new FleetCluster(stack, 'Cluster', { instanceType: new ec2.InstanceType('t3.small') });
    expect(() => new FleetService(stack, 'big', { cluster, image: 'nginx:1.27', memoryLimitMiB: 3072 }))
      .toThrow(/S\/big: memoryLimitMiB 3072 is more than a t3.small instance has \(2048 MiB\).*Fix: .*larger instanceType \(for example t3.medium\)/);
    expect(() => new FleetService(stack, 'cpu', { cluster, image: 'nginx:1.27', cpu: 4096 })).toThrow(/cpu 4096 is more than a t3.small/);
    expect(() => new FleetService(stack, 'ok', { cluster, image: 'nginx:1.27', cpu: 2048, memoryLimitMiB: 2048 })).not.toThrow();
  });

  test('a VPC without private subnets with egress fails with the fix, not aws-cdk-lib\'s subnet error', () => {
    const stack = new Stack(unitTestApp(), 'S');
    const vpc = new ec2.Vpc(stack, 'Vpc', { subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }], natGateways: 0 });
    expect(() => new FleetCluster(stack, 'Cluster', { vpc }))
      .toThrow(/S\/Cluster: the vpc has no private subnets with egress \(PRIVATE_WITH_EGRESS\).*it has public subnets\. Fix: add PRIVATE_WITH_EGRESS subnets/);
  });
});
