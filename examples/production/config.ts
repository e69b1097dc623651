import { FleetDeploymentStrategy, FleetNetworkMode, ProductionConfig } from '../../lib';

/**
 * The embedded example: the reference production setup (a `boot` Spring Boot service, cpu 300,
 * 300 MiB, port 8080, 2 tasks, 200 % / 50 % deployments) and two more services on other sub-paths
 * of the same load balancer. Every service scales (`boot` 2 to 10 tasks on CPU and requests per task, `api` 2 to 4 on
 * CPU, `admin` 1 to 3), so no deploy resets a scaled-out count; alarms and the dashboard come with the environment.
 * `api` runs in awsvpc mode and deploys blue/green.
 */
export const EXAMPLE_PRODUCTION: ProductionConfig = {
  capacity: { instanceType: 't3.medium', minCapacity: 2, maxCapacity: 4 },
  services: [
    {
      name: 'boot',
      image: 'laszlocph/spring-boot-dummy:exposed',
      cpu: 300,
      memoryLimitMiB: 300,
      containerPort: 8080,
      desiredCount: 2,
      routes: [{ path: '/*' }],
      scaling: { minTasks: 2, maxTasks: 10, cpuPercent: 60, requestsPerTarget: 1_000 },
    },
    {
      name: 'api',
      image: 'public.ecr.aws/nginx/nginx:1.27',
      cpu: 256,
      memoryLimitMiB: 256,
      containerPort: 80,
      // awsvpc with native ECS blue/green: ECS shifts /api/* to the new revision at once, bakes 10 minutes and rolls
      // back on the route's alarms (docs/deployments.md).
      networkMode: FleetNetworkMode.AWS_VPC,
      deploymentStrategy: FleetDeploymentStrategy.BLUE_GREEN,
      routes: [{ path: '/api/*' }],
      // CPU only: a request target follows the route's primary target group, which serves nothing after every other
      // blue/green deployment. At most 4: a blue/green deployment runs both sets, 8 awsvpc tasks, which is what 4
      // t3.medium instances hold without ENI trunking (2 each).
      scaling: { minTasks: 2, maxTasks: 4, cpuPercent: 60 },
    },
    {
      name: 'admin',
      image: 'public.ecr.aws/nginx/nginx:1.27',
      cpu: 256,
      memoryLimitMiB: 256,
      containerPort: 80,
      desiredCount: 1,
      routes: [{ path: '/admin/*' }],
      scaling: { minTasks: 1, maxTasks: 3, cpuPercent: 60 },
    },
  ],
};
