import { Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { FleetService } from '../../lib/service/fleet-service';
import { ServicePlacement } from '../../lib/service/placement';
import { validatedApp } from '../support/app';

test('Spot capacity, placement, environment files and volumes synthesize with built-in validation (strict) and cdk-nag clean', () => {
  const app = validatedApp();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'Props', { env: { account: '111111111111', region: 'eu-west-1' } });
  const cluster = new FleetCluster(stack, 'Cluster', {
    instanceType: new ec2.InstanceType('m6i.large'),
    additionalInstanceTypes: [new ec2.InstanceType('m5.large'), new ec2.InstanceType('m6a.large')],
    spot: {},
  });
  const fileSystem = new efs.FileSystem(stack, 'Data', { vpc: cluster.vpc });
  new FleetService(stack, 'Orders', {
    cluster,
    image: 'nginx:1.27',
    placement: ServicePlacement.BINPACK_MEMORY,
    environmentFiles: [ecs.EnvironmentFile.fromBucket(s3.Bucket.fromBucketName(stack, 'Config', 'my-config-bucket'), 'orders/app.env')],
    efsVolumes: [{ fileSystem, accessPoint: fileSystem.addAccessPoint('Orders', { path: '/orders' }), containerPath: '/data' }],
    hostVolumes: [{ sourcePath: '/srv/cache', containerPath: '/cache' }],
  });
  new FleetService(stack, 'Agent', { cluster, image: 'fluent/fluent-bit:3.1', placement: ServicePlacement.DAEMON });
  expect(() => app.synth()).not.toThrow();
});
