/**
 * Wires a `FleetService`'s `scaling` to Application Auto Scaling: one scalable target on the service's DesiredCount,
 * target tracking on CPU, memory, requests and response time of its routes, backlog per task of a queue, and
 * scheduled floors. The template then carries no DesiredCount, so a deploy never resets a scaled-out service.
 */
import { Annotations, Aspects, Duration, IAspect, Stack, TimeZone, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { containerInsightsOff } from '../cluster/container-insights';
import { FleetCluster } from '../cluster/fleet-cluster';
import type { IFleetCluster } from '../cluster/imported-cluster';
import { smallestCapacity } from '../cluster/instance-capacity';
import { fleetError } from '../errors';
import { capacityShortfall, planScaling, ScalingPlan, TaskDemand } from './plan';
import { ServiceScaling } from './scaling-props';

/** What scaling needs to know of a service, without importing the service module (which imports this one). */
export interface ScaledService extends IConstruct {
  readonly service: ecs.BaseService;
  readonly cluster: IFleetCluster;
  readonly taskDefinition: ecs.TaskDefinition;
}

interface Scaled {
  readonly target: appscaling.ScalableTarget;
  readonly plan: ScalingPlan;
  readonly routed: Set<elbv2.IApplicationTargetGroup>;
}

const SCALED = new WeakMap<ScaledService, Scaled>();

/** The scalable target of a service that scales, or undefined. */
export function scalableTargetOf(service: ScaledService): appscaling.ScalableTarget | undefined {
  return SCALED.get(service)?.target;
}

/** The scaling settings of a service that scales, with their defaults. */
export function scalingPlanOf(service: ScaledService): ScalingPlan | undefined {
  return SCALED.get(service)?.plan;
}

/** Whether the service's task count is left to scaling (its template has no DesiredCount). */
export function isScaled(service: ScaledService): boolean {
  return SCALED.has(service);
}

/** Turns on task auto scaling for `service`; called once, by the service's constructor. */
export function applyServiceScaling(service: ScaledService, scaling: ServiceScaling, desiredCount: number): appscaling.ScalableTarget {
  const seconds = (d: Duration | undefined) => (d === undefined || d.isUnresolved() ? undefined : d.toMilliseconds() / 1000);
  const { plan, problems } = planScaling({
    minTasks: scaling.minTasks, maxTasks: scaling.maxTasks, cpuPercent: scaling.cpuPercent, memoryPercent: scaling.memoryPercent,
    requestsPerTarget: scaling.requestsPerTarget, responseTimeSeconds: seconds(scaling.responseTime), messagesPerTask: scaling.queue?.messagesPerTask,
    scaleInCooldownSeconds: seconds(scaling.scaleInCooldown), scaleOutCooldownSeconds: seconds(scaling.scaleOutCooldown), schedules: scaling.schedules,
  }, desiredCount);
  if (plan.messagesPerTask !== undefined && plan.minTasks < 1) {
    problems.push({ setting: 'minTasks', problem: 'is 0 while scaling on a queue: backlog per task is undefined without a running task, so nothing would ever start one', fix: 'give minTasks of at least 1' });
  }
  if (plan.messagesPerTask !== undefined && containerInsightsOff(service.cluster.cluster)) {
    problems.push({ setting: 'queue', problem: 'scales on the backlog per running task, which reads Container Insights\' RunningTaskCount, but the cluster has Container Insights off', fix: 'turn containerInsights on for the cluster, or scale on CPU or requests instead' });
  }
  if (problems.length > 0) {
    const p = problems[0];
    throw fleetError(service, `scaling.${p.setting}: ${p.problem}${problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1).map((x) => `scaling.${x.setting}`).join(', ')})` : ''}`, p.fix);
  }
  const scope = new Construct(service, 'Scaling');
  const stack = Stack.of(service);
  const target = new appscaling.ScalableTarget(scope, 'Target', {
    serviceNamespace: appscaling.ServiceNamespace.ECS,
    resourceId: `service/${service.cluster.cluster.clusterName}/${service.service.serviceName}`,
    scalableDimension: 'ecs:service:DesiredCount',
    minCapacity: plan.minTasks,
    maxCapacity: plan.maxTasks,
    // The service-linked role Application Auto Scaling creates for ECS on first use: no role of ours to keep.
    role: iam.Role.fromRoleArn(scope, 'ServiceLinkedRole', stack.formatArn({
      region: '', service: 'iam', resource: 'role/aws-service-role/ecs.application-autoscaling.amazonaws.com',
      resourceName: 'AWSServiceRoleForApplicationAutoScaling_ECSService',
    })),
  });
  // CloudFormation: "For existing services, if a desired count is not specified, it is omitted from the operation"
  // (UpdateService keeps the running count); a new service starts with 1 task and the target's MinCapacity raises it.
  (service.service.node.defaultChild as ecs.CfnService).addPropertyDeletionOverride('DesiredCount');

  const cooldowns = { scaleInCooldown: Duration.seconds(plan.scaleInCooldownSeconds), scaleOutCooldown: Duration.seconds(plan.scaleOutCooldownSeconds) };
  if (plan.cpuPercent !== undefined) {
    target.scaleToTrackMetric('Cpu', { predefinedMetric: appscaling.PredefinedMetric.ECS_SERVICE_AVERAGE_CPU_UTILIZATION, targetValue: plan.cpuPercent, ...cooldowns });
  }
  if (plan.memoryPercent !== undefined) {
    target.scaleToTrackMetric('Memory', { predefinedMetric: appscaling.PredefinedMetric.ECS_SERVICE_AVERAGE_MEMORY_UTILIZATION, targetValue: plan.memoryPercent, ...cooldowns });
  }
  if (scaling.queue !== undefined) backlogPolicy(scope, service, target, scaling.queue.queue.queueName, plan);
  plan.schedules.forEach((s, i) => {
    target.scaleOnSchedule(`Schedule${i + 1}`, {
      schedule: appscaling.Schedule.cron({ minute: String(s.minute), hour: String(s.hour), weekDay: s.weekDays === '*' ? undefined : s.weekDays }),
      minCapacity: s.minTasks,
      maxCapacity: s.maxTasks,
      timeZone: TimeZone.of(s.timeZone),
    });
  });
  SCALED.set(service, { target, plan, routed: new Set() });
  watchClusterCapacity(service);
  return target;
}

/**
 * Target tracking on the backlog per task: visible messages divided by running tasks (metric math, which
 * Application Auto Scaling accepts in a customized metric; aws-cdk-lib's L2 takes direct metrics only).
 */
function backlogPolicy(scope: Construct, service: ScaledService, target: appscaling.ScalableTarget, queueName: string, plan: ScalingPlan): void {
  new appscaling.CfnScalingPolicy(scope, 'Backlog', {
    policyName: `${service.node.id}-backlog`.slice(0, 256),
    policyType: 'TargetTrackingScaling',
    scalingTargetId: target.scalableTargetId,
    targetTrackingScalingPolicyConfiguration: {
      targetValue: plan.messagesPerTask!,
      scaleInCooldown: plan.scaleInCooldownSeconds,
      scaleOutCooldown: plan.scaleOutCooldownSeconds,
      customizedMetricSpecification: {
        metrics: [
          { id: 'visible', returnData: false, metricStat: { stat: 'Sum', metric: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: [{ name: 'QueueName', value: queueName }] } } },
          {
            id: 'running', returnData: false,
            metricStat: {
              stat: 'Average',
              metric: {
                namespace: 'ECS/ContainerInsights', metricName: 'RunningTaskCount',
                dimensions: [{ name: 'ClusterName', value: service.cluster.cluster.clusterName }, { name: 'ServiceName', value: service.service.serviceName }],
              },
            },
          },
          { id: 'backlog', expression: 'visible / running', label: 'visible messages per running task', returnData: true },
        ],
      },
    },
  });
}

/** Called for each load-balancer route of a service: request and response-time targets apply per target group. */
export function scaleOnRoute(service: ScaledService, loadBalancer: { readonly loadBalancerFullName: string }, targetGroup: elbv2.ApplicationTargetGroup): void {
  const scaled = SCALED.get(service);
  if (!scaled || scaled.routed.has(targetGroup)) return;
  scaled.routed.add(targetGroup);
  const n = scaled.routed.size === 1 ? '' : String(scaled.routed.size);
  const cooldowns = { scaleInCooldown: Duration.seconds(scaled.plan.scaleInCooldownSeconds), scaleOutCooldown: Duration.seconds(scaled.plan.scaleOutCooldownSeconds) };
  if (scaled.plan.requestsPerTarget !== undefined) {
    scaled.target.scaleToTrackMetric(`Requests${n}`, {
      predefinedMetric: appscaling.PredefinedMetric.ALB_REQUEST_COUNT_PER_TARGET,
      resourceLabel: `${loadBalancer.loadBalancerFullName}/${targetGroup.targetGroupFullName}`,
      targetValue: scaled.plan.requestsPerTarget,
      ...cooldowns,
    });
  }
  if (scaled.plan.responseTimeSeconds !== undefined) {
    scaled.target.scaleToTrackMetric(`ResponseTime${n}`, {
      customMetric: targetGroup.metrics.targetResponseTime({ statistic: 'Average', period: Duration.minutes(1) }),
      targetValue: scaled.plan.responseTimeSeconds,
      // Response time is no utilization metric: it has no data while no request comes, and Application Auto Scaling
      // keeps the largest capacity any policy asks for, so this policy would hold a quiet service at its peak. It adds
      // tasks; the other targets (CPU by default) take them away.
      disableScaleIn: true,
      ...cooldowns,
    });
  }
}

/** Services of each cluster that scale, for the capacity warning. */
const SCALED_ON_CLUSTER = new WeakMap<IFleetCluster, ScaledService[]>();

/** Registers the service with its cluster's capacity check (one aspect per cluster, run once the app is built). */
function watchClusterCapacity(service: ScaledService): void {
  const cluster = service.cluster;
  const list = SCALED_ON_CLUSTER.get(cluster);
  if (list) {
    list.push(service);
    return;
  }
  SCALED_ON_CLUSTER.set(cluster, [service]);
  Aspects.of(cluster).add(new ClusterCapacityCheck(cluster));
}

/** Warns when the scaled services' largest counts cannot fit the cluster's maximum capacity. */
class ClusterCapacityCheck implements IAspect {
  private done = false;

  constructor(private readonly cluster: IFleetCluster) {}

  public visit(node: IConstruct): void {
    if (this.done || node !== this.cluster) return;
    this.done = true;
    // An imported cluster's group (and so its maximum size) is not known here: nothing to check (it says so once).
    if (!(this.cluster instanceof FleetCluster)) return;
    const capacity = smallestCapacity((this.cluster.instanceTypes ?? []).map(String));
    const maxSize = (this.cluster.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup).maxSize;
    if (!capacity || Token.isUnresolved(maxSize)) return;
    // Fargate tasks take no room on the instances.
    const demands: TaskDemand[] = (SCALED_ON_CLUSTER.get(this.cluster) ?? []).filter((s) => s.taskDefinition.isEc2Compatible).map((s) => ({ name: s.node.path, count: SCALED.get(s)!.plan.maxTasks, ...taskSize(s.taskDefinition) }));
    const problem = capacityShortfall(capacity, Number(maxSize), demands);
    if (problem) {
      Annotations.of(this.cluster).addWarningV2('cdk-container-fleet:scaling-capacity',
        `${problem}: the extra tasks would wait in PROVISIONING. Raise the cluster's maxCapacity or instanceType, or lower the services' maxTasks`);
    }
  }
}

/** A task's CPU units and memory: the sum over its containers (a container without a memory limit counts its reservation). */
function taskSize(taskDefinition: ecs.TaskDefinition): { cpu: number; memoryMiB: number } {
  const defs = (taskDefinition.node.defaultChild as ecs.CfnTaskDefinition).containerDefinitions;
  // The L1 holds the L2's container definitions lazily, in the L1's own (camelCase) property names.
  const list = Stack.of(taskDefinition).resolve(defs) as Array<Record<string, unknown>> | undefined;
  let cpu = 0;
  let memoryMiB = 0;
  for (const c of list ?? []) {
    const n = (...keys: string[]) => keys.map((k) => c[k]).find((v): v is number => typeof v === 'number');
    cpu += n('cpu', 'Cpu') ?? 0;
    memoryMiB += n('memory', 'Memory') ?? n('memoryReservation', 'MemoryReservation') ?? 0;
  }
  return { cpu, memoryMiB };
}
