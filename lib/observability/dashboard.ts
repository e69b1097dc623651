/**
 * A CloudWatch dashboard of one environment, generated from its constructs: the alarms' states, the cluster, one row
 * per service (requests, 5xx, latency, CPU and memory, running against desired tasks) and the DNS updater.
 */
import { Annotations, ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import type { FleetCluster } from '../cluster/fleet-cluster';
import type { AsgDnsUpdater } from '../dns/asg-dns-updater';
import { UPDATER_METRIC } from '../dns/contract';
import { fleetError } from '../errors';
import type { FleetLoadBalancer, FleetRoute } from '../routing/fleet-load-balancer';
import type { FleetService } from '../service/fleet-service';
import { alarmNameOf, alarmsOf } from './alarms';

/** Properties of a {@link FleetDashboard}. */
export interface FleetDashboardProps {
  /** The environment's cluster: its capacity row, and the alarms of the environment. */
  readonly cluster: FleetCluster;
  /**
   * The load balancer whose routes give each service its requests, 5xx and latency graphs.
   *
   * @default - no route graphs (the services' CPU, memory and task graphs only)
   */
  readonly loadBalancer?: FleetLoadBalancer;
  /**
   * Name of the dashboard (letters, digits, `-` and `_`, at most 255), shown in the CloudWatch console.
   *
   * @default - the stack's name, so each environment's dashboard is found by the environment's name
   */
  readonly dashboardName?: string;
  /**
   * How far back the graphs look when the dashboard opens.
   *
   * @default 3 hours, long enough to see a deployment or a nightly rebuild and what followed it
   */
  readonly defaultInterval?: Duration;
}

/** CloudWatch's quota of widgets per dashboard. */
const MAX_WIDGETS = 500;
const PERIOD = Duration.minutes(1);
/** CloudWatch's most alarms in one alarm status widget. */
const MAX_STATUS_ALARMS = 100;

/**
 * A CloudWatch dashboard for one environment: the state of every alarm of the services added, the cluster's capacity,
 * one row per service (`addService`) and the DNS updater (`addDnsUpdater`). Beyond CloudWatch's 500 widgets another
 * dashboard (`<name>-2`) is started, so a large environment is never cut short. Each dashboard costs $3 a month beyond
 * the account's first three.
 */
export class FleetDashboard extends Construct {
  /** The dashboards, the first one named `dashboardName`. */
  public readonly dashboards: cloudwatch.Dashboard[] = [];
  private readonly cluster: FleetCluster;
  private readonly loadBalancer?: FleetLoadBalancer;
  private readonly baseName: string;
  private readonly defaultInterval: Duration;
  private widgets = 0;
  private readonly alarmStatus: cloudwatch.IAlarm[] = [];
  private readonly added = new Set<FleetService>();
  private readonly shown = new Set<string>();
  private warnedFull = false;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    this.cluster = props.cluster;
    this.loadBalancer = props.loadBalancer;
    // In a nested stack the stack's name is only known at deploy time: no check then (it is CloudFormation's own).
    this.baseName = props.dashboardName ?? Stack.of(this).stackName;
    if (!Token.isUnresolved(this.baseName) && !/^[A-Za-z0-9_-]{1,251}$/.test(this.baseName)) {
      throw fleetError(this, `dashboardName '${this.baseName}' is not a dashboard name`, 'use letters, digits, - and _ only, at most 251 characters');
    }
    this.defaultInterval = props.defaultInterval ?? Duration.hours(3);
    this.row([new cloudwatch.AlarmStatusWidget({ title: 'Alarms of the environment', alarms: this.alarmStatus, width: 24, height: 6 })]);
    this.row(this.clusterWidgets());
  }

  /** The first dashboard. */
  public get dashboard(): cloudwatch.Dashboard {
    return this.dashboards[0];
  }

  /**
   * Adds a row for `service`: requests, 5xx and p50/p99 latency of its routes on the load balancer, CPU and memory,
   * running against desired tasks; its alarms join the alarm status widget. Add a service after routing it.
   */
  public addService(service: FleetService): void {
    if (this.added.has(service)) return;
    this.added.add(service);
    const name = service.node.id;
    const routes = (this.loadBalancer?.routes ?? []).filter((r) => r.service === service);
    const widgets: cloudwatch.IWidget[] = [];
    if (routes.length > 0) widgets.push(...this.routeWidgets(name, routes));
    widgets.push(
      graph(`${name}: CPU and memory (% of reservation)`, [
        service.service.metricCpuUtilization({ period: PERIOD, label: 'CPU' }),
        service.service.metricMemoryUtilization({ period: PERIOD, label: 'memory' }),
      ], routes.length > 0 ? 5 : 12, { min: 0 }),
      graph(`${name}: running and desired tasks`, [
        this.insights(service, 'RunningTaskCount', 'running'),
        this.insights(service, 'DesiredTaskCount', 'desired'),
      ], routes.length > 0 ? 4 : 12, { min: 0 }),
    );
    this.row(widgets);
    // By name, not by reference: the alarms live in the service's nested stack, and a reference per alarm would take
    // one of that stack's 200 outputs each.
    for (const alarm of [...alarmsOf(this.cluster), ...alarmsOf(service)]) this.showAlarm(alarm);
  }

  /** Adds the alarm to the status widget, once; CloudWatch's alarm status widget shows at most 100. */
  private showAlarm(alarm: cloudwatch.Alarm): void {
    const alarmName = alarmNameOf(alarm);
    if (alarmName === undefined || this.shown.has(alarmName)) return;
    this.shown.add(alarmName);
    if (this.alarmStatus.length >= MAX_STATUS_ALARMS) {
      if (!this.warnedFull) {
        this.warnedFull = true;
        Annotations.of(this).addWarningV2('@cdk-container-fleet/observability:alarmStatusFull',
          `the alarm status widget shows ${MAX_STATUS_ALARMS} alarms, CloudWatch's most; the others (from ${alarmName} on) are still on the alarm topic and in the CloudWatch console's alarm list`);
      }
      return;
    }
    this.alarmStatus.push(cloudwatch.Alarm.fromAlarmArn(this, `Alarm${this.alarmStatus.length}`, Stack.of(this).formatArn({
      service: 'cloudwatch', resource: 'alarm', resourceName: alarmName, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    })));
  }

  /** Adds a row for the stack's DNS updater: its invocations and errors, records it failed, dead-lettered events. */
  public addDnsUpdater(updater: AsgDnsUpdater): void {
    const fn = updater.function;
    this.row([
      graph('DNS updater: invocations and errors', [
        fn.metricInvocations({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: 'invocations' }),
        fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: 'errors' }),
      ], 8, { min: 0 }),
      graph('DNS updater: records that failed for good', [
        new cloudwatch.Metric({
          namespace: UPDATER_METRIC.namespace, metricName: UPDATER_METRIC.failures, period: PERIOD, statistic: cloudwatch.Stats.SUM,
          dimensionsMap: { [UPDATER_METRIC.dimension]: fn.functionName }, label: 'failed records',
        }),
      ], 8, { min: 0 }),
      graph('DNS updater: dead-letter queues', [
        updater.queueDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: 'failed messages' }),
        updater.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: 'undelivered events' }),
      ], 8, { min: 0 }),
    ]);
  }

  private routeWidgets(name: string, routes: FleetRoute[]): cloudwatch.IWidget[] {
    const groups = unique(routes.map((r) => r.targetGroup));
    const label = (tg: elbv2.ApplicationTargetGroup, what: string) => (groups.length > 1 ? `${what} ${tg.node.scope!.node.id}` : what);
    return [
      graph(`${name}: requests per minute`, groups.map((tg) => tg.metrics.requestCount({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: label(tg, 'requests') })), 5, { min: 0 }),
      graph(`${name}: 5xx per minute`, groups.flatMap((tg) => [
        tg.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: PERIOD, statistic: cloudwatch.Stats.SUM, label: label(tg, 'from tasks') }),
      ]), 5, { min: 0 }),
      graph(`${name}: response time (s)`, groups.flatMap((tg) => [
        tg.metrics.targetResponseTime({ period: PERIOD, statistic: cloudwatch.Stats.p(50), label: label(tg, 'p50') }),
        tg.metrics.targetResponseTime({ period: PERIOD, statistic: cloudwatch.Stats.p(99), label: label(tg, 'p99') }),
      ]), 5, { min: 0 }),
    ];
  }

  private clusterWidgets(): cloudwatch.IWidget[] {
    const cluster = this.cluster;
    return [
      graph('Cluster: CPU and memory reserved (%)', [
        cluster.ecsCluster.metricCpuReservation({ period: PERIOD, label: 'CPU reserved' }),
        cluster.ecsCluster.metricMemoryReservation({ period: PERIOD, label: 'memory reserved' }),
      ], 8, { min: 0, max: 100 }),
      graph('Cluster: CPU and memory used (%)', [
        cluster.ecsCluster.metricCpuUtilization({ period: PERIOD, label: 'CPU used' }),
        cluster.ecsCluster.metricMemoryUtilization({ period: PERIOD, label: 'memory used' }),
      ], 8, { min: 0, max: 100 }),
      graph('Cluster: capacity provider reservation (%, above 100 = tasks waiting)', [
        new cloudwatch.Metric({
          namespace: 'AWS/ECS/ManagedScaling', metricName: 'CapacityProviderReservation', period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM,
          dimensionsMap: { CapacityProviderName: cluster.capacityProvider.capacityProviderName, ClusterName: cluster.cluster.clusterName },
          label: 'reservation',
        }),
      ], 8, { min: 0 }),
    ];
  }

  private insights(service: FleetService, metricName: string, label: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights', metricName, period: PERIOD, statistic: cloudwatch.Stats.AVERAGE, label,
      dimensionsMap: { ClusterName: this.cluster.cluster.clusterName, ServiceName: service.service.serviceName },
    });
  }

  /** Appends a row, starting another dashboard when this one would pass CloudWatch's widget quota. */
  private row(widgets: cloudwatch.IWidget[]): void {
    if (this.dashboards.length === 0 || this.widgets + widgets.length > MAX_WIDGETS) {
      const n = this.dashboards.length + 1;
      this.dashboards.push(new cloudwatch.Dashboard(this, n === 1 ? 'Resource' : `Dashboard${n}`, {
        dashboardName: n === 1 ? this.baseName : `${this.baseName}-${n}`,
        defaultInterval: this.defaultInterval,
      }));
      this.widgets = 0;
    }
    this.dashboards[this.dashboards.length - 1].addWidgets(new cloudwatch.Row(...widgets));
    this.widgets += widgets.length;
  }
}

function graph(title: string, metrics: cloudwatch.IMetric[], width: number, leftYAxis: cloudwatch.YAxisProps): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left: metrics, width, height: 6, leftYAxis });
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
