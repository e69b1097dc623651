import { App, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ProductionStack, ServiceConfig } from '../lib/environments/production';

const env = { account: '111111111111', region: 'eu-west-1' };

/** N routed services: the reference `boot` service shape, each on its own host. */
export function serviceConfigs(n: number): ServiceConfig[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `svc${i}`, image: 'laszlocph/spring-boot-dummy:exposed', cpu: 300, memoryLimitMiB: 300, containerPort: 8080,
    routes: [{ host: `svc${i}.example.com` }],
  }));
}

/** Ours: the Production environment (services in nested stacks, host routes spread over ⌈N/100⌉ load balancers). */
export function ours(app: App, n: number): void {
  new ProductionStack(app, 'Production', {
    env, config: { services: serviceConfigs(n), maxLoadBalancers: Math.max(1, Math.ceil(n / 100)) },
  });
}

/** Stock aws-cdk-lib, the same shape written the usual way: one stack, priorities numbered by hand. */
export function stock(app: App, n: number): void {
  const stack = new Stack(app, 'Stock', { env });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const asg = new autoscaling.AutoScalingGroup(stack, 'Asg', {
    vpc,
    launchTemplate: new ec2.LaunchTemplate(stack, 'Lt', {
      machineImage: ecs.EcsOptimizedImage.amazonLinux2023(), instanceType: new ec2.InstanceType('t3.medium'),
      userData: ec2.UserData.forLinux(), role: new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }),
    }),
    minCapacity: 2, maxCapacity: 4,
  });
  cluster.addAsgCapacityProvider(new ecs.AsgCapacityProvider(stack, 'Cp', { autoScalingGroup: asg }));
  const lb = new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc, internetFacing: true });
  const listener = lb.addListener('Http', { port: 80, defaultAction: elbv2.ListenerAction.fixedResponse(404) });
  for (let i = 0; i < n; i++) {
    const td = new ecs.Ec2TaskDefinition(stack, `Td${i}`);
    td.addContainer('app', {
      image: ecs.ContainerImage.fromRegistry('laszlocph/spring-boot-dummy:exposed'), cpu: 300, memoryLimitMiB: 300,
      portMappings: [{ containerPort: 8080 }], logging: ecs.LogDrivers.awsLogs({ streamPrefix: `svc${i}` }),
    });
    const svc = new ecs.Ec2Service(stack, `Svc${i}`, { cluster, taskDefinition: td, desiredCount: 2, minHealthyPercent: 50, maxHealthyPercent: 200 });
    listener.addTargets(`T${i}`, {
      port: 8080, priority: i + 1, conditions: [elbv2.ListenerCondition.hostHeaders([`svc${i}.example.com`])], targets: [svc],
    });
  }
}

/** cdk-nag over an app. */
export function withNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
