/**
 * Alarms by default: every FleetService gets CPU, memory and running-task alarms, every route of it 5xx, unhealthy
 * target and p99 latency alarms that also roll its deployments back, and every alarm notifies its environment's SNS
 * topic (the cluster's). Alarm names are fixed strings, never references, so an ECS service can name its own
 * deployment alarms without a circular dependency.
 */
import { Annotations, ArnFormat, Duration, Lazy, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { containerInsightsOff } from '../cluster/container-insights';
import type { IFleetCluster } from '../cluster/imported-cluster';
import { AlarmSpec, routeAlarmSpecs, serviceAlarmSpecs } from './thresholds';

/** What the alarms need to know of a service (the service module imports this one, not the other way round). */
export interface AlarmedService extends IConstruct {
  readonly service: ecs.BaseService;
  readonly cluster: IFleetCluster;
}

const TOPICS = new WeakMap<IFleetCluster, sns.ITopic>();
const ALARMS = new WeakMap<IConstruct, cloudwatch.Alarm[]>();
const ALARMED = new WeakSet<IConstruct>();
/** The fixed name of each alarm (`Alarm.alarmName` is a reference, which a deployment alarm must not be). */
const NAMES = new WeakMap<cloudwatch.Alarm, string>();

/** Whether the service has its alarms (`alarms` left on), so its routes get theirs. */
export function hasAlarms(service: IConstruct): boolean {
  return ALARMED.has(service);
}

/** The alarms made for a service (its own and its routes'), in creation order. */
export function alarmsOf(service: IConstruct): cloudwatch.Alarm[] {
  return [...(ALARMS.get(service) ?? [])];
}

/** The fixed name of an alarm made here (undefined for any other alarm). */
export function alarmNameOf(alarm: cloudwatch.IAlarm): string | undefined {
  return alarm instanceof cloudwatch.Alarm ? NAMES.get(alarm) : undefined;
}

/** Makes `topic` the cluster's alarm topic (FleetCluster's `alarmTopic` prop, or an imported cluster's). */
export function useAlarmTopic(cluster: IFleetCluster, topic: sns.ITopic): void {
  TOPICS.set(cluster, topic);
}

/**
 * The environment's alarm topic: the cluster's own (`alarmTopic`), or one made on first use, encrypted with a
 * customer managed key CloudWatch may use (CloudWatch cannot publish to a topic encrypted with the AWS managed
 * `aws/sns` key). With it come the environment's own alarms (tasks that cannot be placed).
 */
export function alarmTopicOf(cluster: IFleetCluster): sns.ITopic {
  const existing = TOPICS.get(cluster);
  if (existing) return existing;
  // Under the cluster's construct, also for an imported cluster: the topic is then this stack's, beside the import.
  const scope = new Construct(cluster, 'Alarms');
  const topic = encryptedAlarmTopic(scope, cluster.node.path);
  TOPICS.set(cluster, topic);
  environmentAlarms(scope, cluster, topic);
  return topic;
}

/**
 * An SNS topic CloudWatch alarms of this account may publish to, encrypted with a customer managed key CloudWatch may
 * use (CloudWatch cannot publish to a topic encrypted with the AWS managed `aws/sns` key). `label` names what alarms.
 */
export function encryptedAlarmTopic(scope: Construct, label: string): sns.Topic {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, 'Key', {
    description: `Encrypts the alarm notifications of ${label}`,
    enableKeyRotation: true,
    // It encrypts messages in flight only (SNS keeps none): nothing to decrypt once the topic is gone, and a
    // retained key would outlive every daily QA branch stack at $1 a month each.
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
  }));
  const topic = new sns.Topic(scope, 'Topic', { masterKey: key, enforceSSL: true, displayName: `Alarms of ${label}`.slice(0, 100) });
  // A topic policy replaces SNS's default one: CloudWatch, a service principal, must be allowed explicitly, and only
  // for this account's alarms.
  topic.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) } },
  }));
  return topic;
}

/** A fixed, unique alarm name: the construct's path (with a hash, as CloudFormation would) and the alarm's kind. */
function alarmName(scope: IConstruct, kind: string): string {
  return `${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}-${kind}`;
}

function makeAlarm(scope: Construct, owner: IConstruct, spec: AlarmSpec, metric: cloudwatch.IMetric, topic: sns.ITopic, subject: string): cloudwatch.Alarm {
  const name = alarmName(owner, spec.kind);
  const alarm = new cloudwatch.Alarm(scope, spec.kind, {
    alarmName: name,
    alarmDescription: `${subject}: ${spec.why}`.slice(0, 1024),
    metric,
    threshold: spec.threshold,
    evaluationPeriods: spec.evaluationPeriods,
    datapointsToAlarm: spec.datapointsToAlarm,
    comparisonOperator: spec.comparison === 'GreaterThanThreshold' ? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD : cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new cwActions.SnsAction(topic));
  alarm.addOkAction(new cwActions.SnsAction(topic));
  NAMES.set(alarm, name);
  return alarm;
}

function remember(service: IConstruct, alarms: cloudwatch.Alarm[]): cloudwatch.Alarm[] {
  ALARMS.set(service, [...(ALARMS.get(service) ?? []), ...alarms]);
  return alarms;
}

/** The service's `Alarms` scope, made on first use. */
function alarmScope(service: IConstruct): Construct {
  return (service.node.tryFindChild('Alarms') as Construct | undefined) ?? new Construct(service, 'Alarms');
}

/** The service's own alarms: CPU, memory, tasks below desired. */
export function serviceAlarms(service: AlarmedService, input: { cpuTargetPercent?: number; memoryLimitMiB: number; memoryReservationMiB?: number }): cloudwatch.Alarm[] {
  ALARMED.add(service);
  const topic = alarmTopicOf(service.cluster);
  const scope = alarmScope(service);
  const period = Duration.minutes(1);
  // Desired at its lowest and running at its highest within the minute: a task replaced mid-minute is no breach.
  const insights = (metricName: string, statistic: string) => new cloudwatch.Metric({
    namespace: 'ECS/ContainerInsights', metricName, period, statistic,
    dimensionsMap: { ClusterName: service.cluster.cluster.clusterName, ServiceName: service.service.serviceName },
  });
  const metrics: Record<string, cloudwatch.IMetric> = {
    'cpu-high': service.service.metricCpuUtilization({ period, statistic: cloudwatch.Stats.AVERAGE }),
    'memory-high': service.service.metricMemoryUtilization({ period, statistic: cloudwatch.Stats.AVERAGE }),
    'tasks-below-desired': new cloudwatch.MathExpression({
      expression: 'FILL(desired, 0) - FILL(running, 0)', label: 'desired minus running tasks', period,
      usingMetrics: { desired: insights('DesiredTaskCount', cloudwatch.Stats.MINIMUM), running: insights('RunningTaskCount', cloudwatch.Stats.MAXIMUM) },
    }),
  };
  // Without Container Insights the running-task alarm would read no data and never fire: left out, and said so.
  const insightsOff = containerInsightsOff(service.cluster.cluster);
  if (insightsOff) {
    Annotations.of(service).addWarningV2('cdk-container-fleet:alarms-container-insights',
      'no tasks-below-desired alarm: it reads Container Insights, which the cluster has off. Turn containerInsights on to have it');
  }
  const specs = serviceAlarmSpecs(input).filter((s) => !(insightsOff && s.kind === 'tasks-below-desired'));
  return remember(service, specs.map((spec) => makeAlarm(scope, service, spec, metrics[spec.kind], topic, service.node.path)));
}

/**
 * The alarms of one route (target group) of the service: 5xx rate, unhealthy targets, p99 latency. They are also
 * the service's deployment alarms: ECS rolls a deployment back when one fires during it.
 */
export function routeAlarms(service: AlarmedService, loadBalancer: IConstruct, targetGroup: elbv2.ApplicationTargetGroup,
  input: { healthCheckIntervalSeconds: number; unhealthyThresholdCount: number; responseTimeTargetSeconds?: number }): cloudwatch.Alarm[] {
  const topic = alarmTopicOf(service.cluster);
  // Named like the target group's routing scope (`RoutedBy<load balancer id>`, with the spread index), so the alarms of
  // two load balancers routing one service never share a construct id or a name.
  const groupScope = targetGroup.node.scope!.node.id;
  const spread = targetGroup.node.id.replace(/^TargetGroup/, '');
  const scope = new Construct(alarmScope(service), `${groupScope}${spread}`);
  const period = Duration.minutes(1);
  const metrics: Record<string, cloudwatch.IMetric> = {
    'target-5xx': new cloudwatch.MathExpression({
      expression: 'IF(FILL(requests, 0) >= 10, 100 * FILL(errors, 0) / requests, 0)', label: 'target 5xx %', period,
      usingMetrics: {
        requests: targetGroup.metrics.requestCount({ period, statistic: cloudwatch.Stats.SUM }),
        errors: targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period, statistic: cloudwatch.Stats.SUM }),
      },
    }),
    'unhealthy-targets': targetGroup.metrics.unhealthyHostCount({ period, statistic: cloudwatch.Stats.MAXIMUM }),
    'latency-p99': targetGroup.metrics.targetResponseTime({ period, statistic: cloudwatch.Stats.p(99) }),
  };
  const specs = routeAlarmSpecs(input);
  // Named after the route's scope, so the alarms of two load balancers routing one service never share a name.
  const alarms = remember(service, specs.map((spec) => makeAlarm(scope, scope, spec, metrics[spec.kind], topic, `${service.node.path} routed by ${loadBalancer.node.path}`)));
  const rollback = alarms.filter((_, i) => specs[i].rollsBackDeployments);
  addDeploymentAlarms(service, rollback.map((a) => NAMES.get(a)!));
  // The names are plain strings (no reference), so CloudFormation needs telling that the alarms come first.
  for (const a of rollback) service.service.node.addDependency(a);
  return alarms;
}

const DEPLOYMENT_ALARMS = new WeakMap<IConstruct, string[]>();

/**
 * Adds alarm names to the service's ECS deployment alarms (rollback on alarm). One list per service, rendered lazily:
 * aws-cdk-lib 2.276's `enableDeploymentAlarms` keeps only the names of its first call, so a service routed by a
 * second load balancer would lose that route's alarms.
 */
function addDeploymentAlarms(service: AlarmedService, names: string[]): void {
  let list = DEPLOYMENT_ALARMS.get(service);
  if (!list) {
    list = [];
    DEPLOYMENT_ALARMS.set(service, list);
    const all = list;
    (service.service.node.defaultChild as ecs.CfnService).addPropertyOverride('DeploymentConfiguration.Alarms', {
      AlarmNames: Lazy.list({ produce: () => all }),
      Enable: true,
      Rollback: true,
    });
  }
  list.push(...names);
}

/** Alarms of the environment as a whole, on its alarm topic. */
function environmentAlarms(scope: Construct, cluster: IFleetCluster, topic: sns.ITopic): void {
  const spec: AlarmSpec = {
    kind: 'tasks-not-placed', threshold: 100, periodSeconds: 60, evaluationPeriods: 15, datapointsToAlarm: 15, comparison: 'GreaterThanThreshold', rollsBackDeployments: false,
    why: 'the capacity provider has needed more instances than it has for 15 minutes (CapacityProviderReservation above 100 %): tasks wait in PROVISIONING because the group is at its maximum or cannot launch',
  };
  const metric = new cloudwatch.Metric({
    namespace: 'AWS/ECS/ManagedScaling', metricName: 'CapacityProviderReservation', period: Duration.minutes(1), statistic: cloudwatch.Stats.MINIMUM,
    dimensionsMap: { CapacityProviderName: cluster.capacityProviderName, ClusterName: cluster.cluster.clusterName },
  });
  remember(cluster, [makeAlarm(scope, cluster, spec, metric, topic, cluster.node.path)]);
}
