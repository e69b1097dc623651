import { Annotations, ArnFormat, Duration, Names, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';
import { FleetCluster } from '../cluster/fleet-cluster';
import { fleetError } from '../errors';
import { fleetHandlerFunction } from '../handler-function';
import { nagResourceName } from '../nag';
import { checkDuration, checkPercent } from '../validation';
import { acknowledgeStateMachineRole, failedRunAlarm, nightlySchedule } from './nightly-run';

/** Properties of a {@link CleanSlate}. */
export interface CleanSlateProps {
  /** The cluster whose services and instances are replaced. */
  readonly cluster: FleetCluster;
  /**
   * When a run starts. For a multi-region fleet prefer a `FleetConductor` (one trigger, regions chained by success);
   * otherwise give each region its own slot (see `nightlySchedules`) so that
   * regions are rebuilt one after another, never together.
   *
   * @default - every day at 00:00 UTC
   */
  readonly schedule?: scheduler.ScheduleExpression;
  /**
   * Whether this construct starts its own nightly run. Turn it off when a {@link FleetConductor} drives the region
   * (the conductor starts the state machine in the fleet's order, after withdrawing the region from DNS), so the
   * fleet has one nightly trigger, not one per region.
   *
   * @default true, a schedule (in its own schedule group) starts a run every night
   */
  readonly nightly?: boolean;
  /**
   * Whether the schedule fires. `false` pauses the nightly run without removing anything (manual runs still work).
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Share of the group's desired capacity kept in service during the instance refresh, in percent (0 to 100).
   *
   * @default 100, so no capacity is lost: replacements are launched before old instances terminate
   */
  readonly minHealthyPercentage?: number;
  /**
   * Share of the group's desired capacity that may run during the refresh, in percent (100 to 200, at most 100 above
   * `minHealthyPercentage`). Above 100 the group launches replacements first, beyond its desired capacity.
   *
   * @default 150, so half the group is replaced per batch
   */
  readonly maxHealthyPercentage?: number;
  /**
   * How long a run may take before it fails and alarms: the instance refresh to finish and every service to be stable.
   *
   * @default 2 hours
   */
  readonly timeout?: Duration;
  /**
   * How often the run checks whether everything is stable.
   *
   * @default 1 minute
   */
  readonly pollInterval?: Duration;
  /**
   * Replace every instance of the group once it reaches this age, independently of the nightly run (Auto Scaling's
   * maximum instance lifetime, 1 to 365 days). An alternative or a backstop to the refresh.
   *
   * @default - no maximum lifetime
   */
  readonly maxInstanceLifetime?: Duration;
  /**
   * Notified when a run fails, is aborted or takes longer than `timeout`.
   *
   * @default - the alarm has no action; add one to `alarm`
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Nightly clean slate of a {@link FleetCluster}: on a schedule (EventBridge Scheduler, midnight UTC by default) a Step
 * Functions state machine forces a new deployment of every service of the cluster and refreshes every instance of its
 * Auto Scaling group, waits until all is stable, and fails — raising `alarm` — when a step fails or the run is late.
 *
 * One run at a time per cluster: the state machine's first state lets only the oldest running execution go on (two
 * runs started together: the older one runs, the other fails without touching anything). No reserved concurrency: it
 * fails on accounts whose concurrency quota is 10. See docs/rollout.md and docs/runbook.md.
 */
export class CleanSlate extends Construct {
  /** The handler the state machine calls (`start`, then `check` until stable). */
  public readonly function: lambda.Function;
  /** The state machine of a run. Start it by hand for an extra run. */
  public readonly stateMachine: sfn.StateMachine;
  /** The nightly schedule; undefined with `nightly: false`. */
  public readonly schedule?: scheduler.Schedule;
  /** The schedule group of the nightly schedule (not the account's default group); undefined with `nightly: false`. */
  public readonly scheduleGroup?: scheduler.ScheduleGroup;
  /** The state machine's name, fixed at synth, so a conductor in another region can name its ARN. */
  public readonly stateMachineName: string;
  /** In alarm when a run failed, was aborted or timed out. */
  public readonly alarm: cloudwatch.Alarm;
  /** How long a run may take. */
  public readonly timeout: Duration;
  /** The cluster it rebuilds. */
  public readonly cluster: FleetCluster;

  constructor(scope: Construct, id: string, props: CleanSlateProps) {
    super(scope, id);
    this.cluster = props.cluster;
    const stack = Stack.of(this);
    const minHealthy = props.minHealthyPercentage ?? 100;
    const maxHealthy = props.maxHealthyPercentage ?? Math.max(150, Math.min(200, minHealthy + 50));
    checkPercent(this, 'minHealthyPercentage', minHealthy, 0, 100);
    checkPercent(this, 'maxHealthyPercentage', maxHealthy, 100, 200);
    if (maxHealthy - minHealthy > 100) {
      throw fleetError(this, `maxHealthyPercentage ${maxHealthy} is more than 100 above minHealthyPercentage ${minHealthy}`, 'keep the two at most 100 apart, as Auto Scaling requires');
    }
    this.timeout = props.timeout ?? Duration.hours(2);
    checkDuration(this, 'timeout', this.timeout, { min: Duration.minutes(5), max: Duration.hours(24), why: 'a run must end before the next night' });
    const timeoutSeconds = this.timeout.toSeconds();
    const poll = props.pollInterval ?? Duration.minutes(1);
    checkDuration(this, 'pollInterval', poll, { min: Duration.seconds(10), max: this.timeout, why: 'at most the timeout' });

    const cluster = props.cluster.cluster;
    const group = props.cluster.autoScalingGroup;
    if (props.maxInstanceLifetime) this.setMaxInstanceLifetime(group, props.maxInstanceLifetime);

    this.function = fleetHandlerFunction(this, 'Function', {
      handler: 'clean-slate',
      description: `Clean slate of ${props.cluster.node.path}: forces new deployments and refreshes instances, then reports stability`,
      // No reserved concurrency (it fails on accounts whose quota is 10): the state machine's lock serializes runs.
      // Room for the SDK's backoff on throttling while hundreds of services are updated.
      timeout: Duration.minutes(5),
      memorySize: 256,
      environment: {
        CLUSTER_NAME: cluster.clusterName,
        ASG_NAME: group.autoScalingGroupName,
        MIN_HEALTHY_PERCENTAGE: String(minHealthy),
        MAX_HEALTHY_PERCENTAGE: String(maxHealthy),
        TIMEOUT_SECONDS: String(timeoutSeconds),
      },
    });
    this.grantRun(this.function, cluster.clusterName, cluster.clusterArn, group);

    // A fixed, generated name lets the state machine's role (and a conductor elsewhere) name its ARN.
    this.stateMachineName = Names.uniqueResourceName(this, { maxLength: 80, separator: '-' });
    const selfArn = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: this.stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    // The lock: the handler lists this state machine's running executions.
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [selfArn] }));
    this.stateMachine = this.createStateMachine(poll);

    if (props.nightly ?? true) {
      // Its own group: the account's default group is shared with every other schedule (issue 14).
      const nightly = nightlySchedule(this, this.stateMachine, {
        description: `Nightly clean slate of ${props.cluster.node.path}`, schedule: props.schedule, enabled: props.enabled,
      });
      this.scheduleGroup = nightly.group;
      this.schedule = nightly.schedule;
    } else if (props.schedule !== undefined || props.enabled !== undefined) {
      throw fleetError(this, 'schedule or enabled was given with nightly: false, which creates no schedule', 'drop schedule and enabled, or set nightly: true');
    }

    this.alarm = failedRunAlarm(this, 'FailedAlarm', this.stateMachine, {
      label: 'Clean-slate runs that failed, timed out or were aborted',
      description: `A clean-slate run of ${props.cluster.node.path} failed, was aborted or took longer than ${this.timeout.toHumanString()}: see the state machine's failed execution`,
      topic: props.alarmTopic,
    });

    this.acknowledge(stack, group, cluster.clusterName);
  }

  private createStateMachine(poll: Duration): sfn.StateMachine {
    const lock = new tasks.LambdaInvoke(this, 'Lock', {
      comment: 'One run at a time: only the oldest running execution of this state machine goes on',
      lambdaFunction: this.function,
      payload: sfn.TaskInput.fromObject({ action: 'lock', 'execution.$': '$$.Execution.Id', 'startedAt.$': '$$.Execution.StartTime', 'stateMachine.$': '$$.StateMachine.Id' }),
      resultSelector: { 'oldest.$': '$.Payload.oldest', 'running.$': '$.Payload.running' },
      resultPath: '$.lock',
    });
    lock.addRetry({ errors: ['Lambda.TooManyRequestsException', 'ThrottlingException'], interval: Duration.seconds(5), maxAttempts: 4, backoffRate: 2 });
    const alreadyRunning = new sfn.Fail(this, 'AlreadyRunning', {
      error: 'CleanSlate.AlreadyRunning',
      cause: 'an older clean-slate run of this cluster is still running; this one did nothing',
    });
    const start = new tasks.LambdaInvoke(this, 'Start', {
      comment: 'Start the instance refresh and force a new deployment of every service',
      lambdaFunction: this.function,
      payload: sfn.TaskInput.fromObject({ action: 'start', 'startedAt.$': '$$.Execution.StartTime' }),
      resultSelector: { 'run.$': '$.Payload' },
      resultPath: '$.start',
    });
    start.addRetry({ errors: ['Lambda.TooManyRequestsException'], interval: Duration.seconds(10), maxAttempts: 6, backoffRate: 2 });
    const wait = new sfn.Wait(this, 'Settle', { time: sfn.WaitTime.duration(poll) });
    const check = new tasks.LambdaInvoke(this, 'Check', {
      comment: 'Is the refresh done and every service stable? Throws when something failed or the run is late',
      lambdaFunction: this.function,
      payload: sfn.TaskInput.fromObject({ action: 'check', 'startedAt.$': '$$.Execution.StartTime', 'run.$': '$.start.run' }),
      resultSelector: { 'result.$': '$.Payload' },
      resultPath: '$.check',
    });
    // Reads only, so a throttled or throttling-starved check is safe to repeat; CleanSlateFailed/TimedOut are not retried.
    check.addRetry({ errors: ['Lambda.TooManyRequestsException', 'ThrottlingException', 'Throttling'], interval: Duration.seconds(30), maxAttempts: 4, backoffRate: 2 });
    const done = new sfn.Succeed(this, 'Stable');
    const definition = lock
      .next(new sfn.Choice(this, 'Alone?')
        .when(sfn.Condition.booleanEquals('$.lock.oldest', false), alreadyRunning)
        .otherwise(start.next(wait).next(check).next(new sfn.Choice(this, 'Stable?')
          .when(sfn.Condition.booleanEquals('$.check.result.stable', true), done)
          .otherwise(wait))));

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention: logs.RetentionDays.ONE_MONTH });
    const machine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: this.stateMachineName,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      // The handler fails a late run with the pending services named; this is the backstop if the handler cannot run.
      timeout: this.timeout.plus(Duration.minutes(15)),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      comment: 'Clean slate: refresh instances, redeploy services, wait until stable',
    });
    return machine;
  }

  /** Least privilege: this cluster's services, this group, reads where IAM has no resource-level permissions. */
  private grantRun(fn: lambda.IFunction, clusterName: string, clusterArn: string, group: autoscaling.IAutoScalingGroup): void {
    const stack = Stack.of(this);
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ecs:ListServices'],
      resources: ['*'],
      conditions: { ArnEquals: { 'ecs:cluster': clusterArn } },
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ecs:UpdateService', 'ecs:DescribeServices'],
      resources: [stack.formatArn({ service: 'ecs', resource: 'service', resourceName: `${clusterName}/*` })],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['autoscaling:StartInstanceRefresh'],
      resources: [group.autoScalingGroupArn],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['autoscaling:DescribeInstanceRefreshes'],
      resources: ['*'],
    }));
  }

  private setMaxInstanceLifetime(group: autoscaling.AutoScalingGroup, lifetime: Duration): void {
    checkDuration(this, 'maxInstanceLifetime', lifetime, { min: Duration.days(1), max: Duration.days(365), wholeUnit: 'seconds', why: 'as Auto Scaling requires' });
    const seconds = lifetime.toSeconds();
    const cfn = group.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    if (cfn.maxInstanceLifetime !== undefined && cfn.maxInstanceLifetime !== seconds) {
      Annotations.of(this).addWarningV2('@cdk-container-fleet/rollout:maxInstanceLifetimeReplaced',
        `maxInstanceLifetime replaces the group's existing ${cfn.maxInstanceLifetime} s with ${seconds} s`);
    }
    cfn.maxInstanceLifetime = seconds;
  }

  private acknowledge(stack: Stack, group: autoscaling.IAutoScalingGroup, clusterName: string): void {
    const fnRole = this.function.role!;
    acknowledgeFinding(fnRole, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecs:ListServices has no resource type (it is pinned to this cluster by the ecs:cluster condition) and autoscaling:DescribeInstanceRefreshes supports no resource-level permissions',
    });
    const serviceArn = stack.formatArn({ service: 'ecs', resource: 'service', resourceName: `${clusterName}/*` });
    acknowledgeFinding(fnRole, {
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, serviceArn)}]`,
      reason: "every service of this one cluster, and only of it: the services are the cluster's, whatever their names",
    });
    acknowledgeFinding(fnRole, {
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, group.autoScalingGroupArn)}]`,
      reason: 'a group ARN holds a generated id the group name does not reveal; the name pins the statement to this one group',
    });
    acknowledgeStateMachineRole(this.stateMachine, this.function, 'clean-slate');
  }

}
