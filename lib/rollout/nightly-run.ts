import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';

/** What a nightly state machine run (a clean slate, a conductor night) needs besides its machine. */
export interface NightlyRunOptions {
  readonly description: string;
  /** @default - every night at 00:00 UTC */
  readonly schedule?: scheduler.ScheduleExpression;
  /** @default true */
  readonly enabled?: boolean;
}

/**
 * The nightly start of `stateMachine`, in a schedule group of its own: the account's default group is shared with
 * every other schedule, so its permissions could not be scoped to this one (issue 14).
 */
export function nightlySchedule(scope: Construct, stateMachine: sfn.IStateMachine, options: NightlyRunOptions): { group: scheduler.ScheduleGroup; schedule: scheduler.Schedule } {
  const group = new scheduler.ScheduleGroup(scope, 'ScheduleGroup', { removalPolicy: RemovalPolicy.DESTROY });
  const schedule = new scheduler.Schedule(scope, 'Schedule', {
    description: options.description,
    scheduleGroup: group,
    schedule: options.schedule ?? scheduler.ScheduleExpression.cron({ minute: '0', hour: '0' }),
    enabled: options.enabled ?? true,
    target: new schedulerTargets.StepFunctionsStartExecution(stateMachine, {
      input: scheduler.ScheduleTargetInput.fromObject({ trigger: 'schedule' }),
      // A missed start is not retried for long: a run that starts hours late would collide with the day's traffic.
      retryAttempts: 3,
      maxEventAge: Duration.minutes(30),
    }),
  });
  return { group, schedule };
}

/** An alarm on runs of `stateMachine` that failed, timed out or were aborted, paging `topic` when given. */
export function failedRunAlarm(scope: Construct, id: string, stateMachine: sfn.StateMachine, options: { label: string; description: string; topic?: sns.ITopic }): cloudwatch.Alarm {
  const failures = new cloudwatch.MathExpression({
    expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
    usingMetrics: {
      failed: stateMachine.metricFailed({ statistic: cloudwatch.Stats.SUM }),
      timedOut: stateMachine.metricTimedOut({ statistic: cloudwatch.Stats.SUM }),
      aborted: stateMachine.metricAborted({ statistic: cloudwatch.Stats.SUM }),
    },
    period: Duration.minutes(5),
    label: options.label,
  });
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: options.description,
    metric: failures,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  if (options.topic) alarm.addAlarmAction(new cwActions.SnsAction(options.topic));
  return alarm;
}

/**
 * cdk-nag acknowledgements of a state machine role that aws-cdk-lib grants logging, tracing and the invocation of
 * `fn` (`what` names the function in the reason).
 */
export function acknowledgeStateMachineRole(stateMachine: sfn.StateMachine, fn: lambda.Function, what: string): void {
  const role = stateMachine.role;
  acknowledgeFinding(role, {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray trace segments and CloudWatch Logs log delivery (added by aws-cdk-lib for tracing and logging) support no resource-level permissions',
  });
  acknowledgeFinding(role, {
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(fn).getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
    reason: `the versions and aliases of the ${what} function itself (lambda:InvokeFunction grant added by aws-cdk-lib)`,
  });
}
