import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HANDLED_DETAIL_TYPES } from '../../lambda/asg-dns-updater/events';
import { DOMAIN_META_TAG } from '../../lambda/asg-dns-updater/tag';
import { fleetError } from '../errors';
import { fleetHandlerFunction } from '../handler-function';
import { nagResourceName } from '../nag';
import { checkDuration } from '../validation';

const SINGLETON_ID = 'AsgDnsUpdater';

/** Properties of the {@link AsgDnsUpdater}, the one updater function of a stack. */
export interface AsgDnsUpdaterProps {
  /**
   * How often every tagged group is re-synced, whatever the events said. It repairs a missed or failed event
   * (EventBridge delivery is best effort) and any hand edit of a managed record.
   *
   * @default 5 minutes
   */
  readonly reconcileInterval?: Duration;
}

/** Options of {@link AsgDnsUpdater.watchTaggedGroups}. */
export interface WatchTaggedGroupsOptions extends AsgDnsUpdaterProps {
  /**
   * The hosted zones that tagged groups may write to. Route 53 has no tag-based IAM conditions, so the zones are
   * the only way to narrow this mode's write permission.
   *
   * @default - every hosted zone of the account (A and AAAA records only, UPSERT and DELETE only)
   */
  readonly hostedZones?: route53.IHostedZone[];
}

/**
 * The updater function of a stack, shared by every {@link AsgDnsRecord} in it: one function, so that with a reserved
 * concurrency of 1 two updates of the same zone never race. Also its dead-letter queue, its error alarm and the
 * reconcile schedule. Get it with {@link AsgDnsUpdater.of}; {@link AsgDnsUpdater.watchTaggedGroups} turns on the
 * tag-only mode for groups created outside CDK.
 */
export class AsgDnsUpdater extends Construct {
  /** The updater of `scope`'s stack, created on first use. */
  public static of(scope: Construct, props: AsgDnsUpdaterProps = {}): AsgDnsUpdater {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SINGLETON_ID) as AsgDnsUpdater | undefined;
    if (!existing) return new AsgDnsUpdater(stack, SINGLETON_ID, props);
    const wanted = props.reconcileInterval?.toMinutes();
    if (wanted !== undefined && wanted !== existing.reconcileInterval.toMinutes()) {
      throw fleetError(scope, `reconcileInterval ${wanted} min differs from the ${existing.reconcileInterval.toMinutes()} min the stack's updater already uses`,
        'give every AsgDnsRecord of a stack the same reconcileInterval, or leave it out on all but one');
    }
    return existing;
  }

  /**
   * Tag-only mode, as the original updater: every group in the account and region carrying `DomainMeta` is followed,
   * with no other configuration. Lifecycle actions are completed only on groups carrying that tag (IAM condition).
   */
  public static watchTaggedGroups(scope: Construct, options: WatchTaggedGroupsOptions = {}): AsgDnsUpdater {
    const updater = AsgDnsUpdater.of(scope, options);
    if (updater.node.tryFindChild('TaggedGroups')) return updater;
    new events.Rule(updater, 'TaggedGroups', {
      description: `Auto Scaling events of every group, for groups tagged ${DOMAIN_META_TAG}`,
      eventPattern: { source: ['aws.autoscaling'], detailType: HANDLED_DETAIL_TYPES },
      targets: [updater.target()],
    });
    const zones = options.hostedZones?.map((z) => z.hostedZoneArn) ?? [Stack.of(updater).formatArn({ service: 'route53', region: '', account: '', resource: 'hostedzone', resourceName: '*' })];
    updater.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['route53:ChangeResourceRecordSets'],
      resources: zones,
      conditions: {
        'ForAllValues:StringEquals': {
          'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA'],
          'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
        },
      },
    }));
    updater.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['route53:GetHostedZone', 'route53:ListResourceRecordSets'], resources: zones }));
    updater.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['autoscaling:CompleteLifecycleAction'],
      resources: ['*'],
      conditions: { Null: { [`autoscaling:ResourceTag/${DOMAIN_META_TAG}`]: 'false' } },
    }));
    const reason = 'tag-only mode follows groups created outside CDK: the groups are only known by their DomainMeta tag (IAM condition on CompleteLifecycleAction), the zones by the tag value at run time';
    for (const zone of zones.filter((z) => nagResourceName(updater, z).endsWith('*'))) {
      Validations.of(updater.function.role!).acknowledge({ id: `AwsSolutions-IAM5[Resource::${nagResourceName(updater, zone)}]`, reason });
    }
    Validations.of(updater.function.role!).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason });
    return updater;
  }

  /** The updater function (reserved concurrency 1). */
  public readonly function: lambda.Function;
  /** Events the function failed on after its retries. */
  public readonly deadLetterQueue: sqs.Queue;
  /** In alarm when an invocation fails (a write failed for good, a quota, a foreign record in the way). Add your actions. */
  public readonly errorAlarm: cloudwatch.Alarm;
  /** The reconcile schedule. */
  public readonly reconcileRule: events.Rule;
  /** How often every tagged group is re-synced. */
  public readonly reconcileInterval: Duration;
  private readonly watched = new Set<string>();

  constructor(scope: Construct, id: string, props: AsgDnsUpdaterProps = {}) {
    super(scope, id);
    this.reconcileInterval = props.reconcileInterval ?? Duration.minutes(5);
    checkDuration(this, 'reconcileInterval', this.reconcileInterval, { min: Duration.minutes(1), wholeUnit: 'minutes' });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'this queue is the dead-letter queue of the DNS updater function and of its EventBridge targets' });

    this.function = fleetHandlerFunction(this, 'Function', {
      handler: 'asg-dns-updater',
      description: 'Keeps Route 53 records equal to the InService instances of Auto Scaling groups tagged DomainMeta',
      // One at a time: two updates of one zone would otherwise read-then-write over each other.
      reservedConcurrentExecutions: 1,
      // Room for SDK retries under Route 53's 5 requests/s and the wait for INSYNC before a drain completes.
      timeout: Duration.minutes(3),
      memorySize: 256,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
    });
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['autoscaling:DescribeAutoScalingGroups', 'ec2:DescribeInstances'],
      resources: ['*'],
    }));
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['route53:GetChange'],
      resources: [Stack.of(this).formatArn({ service: 'route53', region: '', account: '', resource: 'change', resourceName: '*' })],
    }));
    const role = this.function.role!;
    const changeArn = Stack.of(this).formatArn({ service: 'route53', region: '', account: '', resource: 'change', resourceName: '*' });
    for (const finding of ['Resource::*', `Resource::${nagResourceName(this, changeArn)}`]) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason: 'autoscaling:DescribeAutoScalingGroups and ec2:DescribeInstances support no resource-level permissions; route53:GetChange ids are only known after the write',
      });
    }

    this.reconcileRule = new events.Rule(this, 'Reconcile', {
      description: 'Re-syncs every Route 53 record kept by the ASG DNS updater',
      schedule: events.Schedule.rate(this.reconcileInterval),
      targets: [this.target()],
    });

    this.errorAlarm = new cloudwatch.Alarm(this, 'ErrorAlarm', {
      alarmDescription: 'The ASG DNS updater failed: a record may not follow its instances (see the function logs and the dead-letter queue)',
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** An EventBridge target for the function, with retries and the dead-letter queue. */
  public target(): events.IRuleTarget {
    return new targets.LambdaFunction(this.function, { retryAttempts: 8, maxEventAge: Duration.hours(2), deadLetterQueue: this.deadLetterQueue });
  }

  /**
   * Forwards the group's Auto Scaling events to the function and lets it complete lifecycle actions on that group
   * only. Returns the rule (or undefined when the group is already watched).
   */
  public watchGroup(scope: Construct, group: autoscaling.IAutoScalingGroup): events.Rule | undefined {
    const key = group.node.addr;
    if (this.watched.has(key)) return undefined;
    this.watched.add(key);
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['autoscaling:CompleteLifecycleAction'],
      resources: [group.autoScalingGroupArn],
    }));
    Validations.of(this.function.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, group.autoScalingGroupArn)}]`,
      reason: 'a group ARN holds a generated id the group name does not reveal; the name pins the statement to this one group',
    });
    return new events.Rule(scope, 'Events', {
      description: 'Launches, terminations and lifecycle actions of one Auto Scaling group, for its DNS record',
      eventPattern: { source: ['aws.autoscaling'], detailType: HANDLED_DETAIL_TYPES, detail: { AutoScalingGroupName: [group.autoScalingGroupName] } },
      targets: [this.target()],
    });
  }
}
