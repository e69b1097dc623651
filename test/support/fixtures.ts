import { Stack } from 'aws-cdk-lib';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { FleetService, FleetServiceProps } from '../../lib/service/fleet-service';
import { unitTestApp } from './app';

/** A region-fixed stack in a fast unit-test app. */
export function testStack(id = 'Test'): Stack {
  return new Stack(unitTestApp(), id, { env: { account: '111111111111', region: 'eu-west-1' } });
}

/** The reference `boot` service of issue 2 (cpu 300, 300 MiB, port 8080, 2 tasks). */
export function bootService(stack: Stack, cluster: FleetCluster, overrides: Partial<FleetServiceProps> = {}, id = 'boot'): FleetService {
  return new FleetService(stack, id, {
    cluster,
    image: 'laszlocph/spring-boot-dummy:exposed',
    cpu: 300,
    memoryLimitMiB: 300,
    containerPort: 8080,
    ...overrides,
  });
}
