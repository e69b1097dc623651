import { ArnFormat, CustomResource, Duration, Lazy, Names, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct } from 'constructs';
import {
  DOMAIN_META_TAG, HANDLED_DETAIL_TYPES, UPDATER_ENV, UPDATER_MESSAGE_GROUP, UPDATER_METRIC, recordMessageGroup,
} from './contract';
import { acknowledgeFinding } from '../acknowledge';
import { fleetError } from '../errors';
import { fleetHandlerFunction } from '../handler-function';
import { nagResourceName } from '../nag';
import { checkDuration } from '../validation';

const SINGLETON_ID = 'AsgDnsUpdater';
/** Attempts per queue message before it goes to the queue's dead-letter queue. */
const MAX_RECEIVES = 3;
/** Messages per invocation: each may wait up to a minute for Route 53 to be in sync before a drain completes. */
const BATCH_SIZE = 5;
const FUNCTION_TIMEOUT = Duration.minutes(5);
/**
 * Groups one updater may follow by name. Their names travel in the function's environment (Lambda allows 4 KB for all
 * variables); generated group names run to about 100 characters.
 */
const MAX_OWN_GROUPS = 25;

/** Properties of the {@link AsgDnsUpdater}, the one updater function of a stack. */
export interface AsgDnsUpdaterProps {
  /**
   * How often every group of this updater is re-synced, whatever the events said. It repairs a missed or failed event
   * (EventBridge delivery is best effort) and any hand edit of a managed record.
   *
   * @default 5 minutes
   */
  readonly reconcileInterval?: Duration;
}

/** Options of {@link AsgDnsUpdater.watchTaggedGroups}: the bounds within which a `DomainMeta` tag may steer records. */
export interface WatchTaggedGroupsOptions extends AsgDnsUpdaterProps {
  /**
   * The hosted zones that tagged groups may write to. Required: Route 53 has no tag-based IAM conditions, so without
   * explicit zones anyone allowed to tag an Auto Scaling group could point any name of any zone at their instances.
   */
  readonly hostedZones: route53.IHostedZone[];

  /**
   * The record names tagged groups may write, fully qualified, as IAM `StringLike` patterns on Route 53's normalised
   * names (lower case, no trailing dot): `*` matches any characters, dots included (`*.qa.example.com`), `?` one.
   * Required, for the same reason as `hostedZones`; each must end in the name of one of the zones when that name is
   * known at synth. Per-instance records (`perInstance=true`) need their own pattern, e.g. `i-*.app.qa.example.com`.
   */
  readonly recordNames: string[];

  /**
   * Names of the tagged groups whose drain lifecycle actions (hook `asg-dns-updater-drain`) the updater may complete,
   * once their terminating instance is out of DNS. An explicit list, because a tag cannot limit the permission: whoever
   * can tag a group could otherwise have the updater complete any group's lifecycle actions, another environment's
   * included.
   *
   * @default - none: the updater still takes terminating instances of tagged groups out of DNS, and their drain hook
   *   ends by its own timeout (its default result, CONTINUE)
   */
  readonly lifecycleGroupNames?: string[];
}

/** Concurrent invocations the updater's queue may drive (Lambda's smallest cap is 2; Route 53 takes 5 requests/s). */
const UPDATER_MAX_CONCURRENCY = 3;

/**
 * The updater of a stack, shared by every {@link AsgDnsRecord} in it. Every event (Auto Scaling events, the reconcile
 * schedule, custom-resource requests, SNS) goes through one SQS FIFO queue with **one message group per record**, so
 * two updates of a record never race and a record whose message waits for a retry never holds back another record,
 * without any reserved concurrency (accounts whose concurrency quota is 10 cannot reserve any). Also the dead-letter
 * queues, the failure alarm and the reconcile schedule. The updater acts only on its own groups (the groups its
 * records were given, by name in its configuration) and, with {@link AsgDnsUpdater.watchTaggedGroups}, on unowned
 * tagged groups within the declared zones and names.
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
   * Tag-only mode: groups created outside CDK are followed from their `DomainMeta=<zone id>:<record name>` tag alone,
   * within the given zones and record names (IAM conditions, and the handler refuses anything else). The tag is a
   * security boundary: who can tag an Auto Scaling group can point the declared names at its instances, nothing more.
   * Lifecycle actions are completed only on the groups named in `lifecycleGroupNames`. Calling it again adds zones, names
   * and groups.
   */
  public static watchTaggedGroups(scope: Construct, options: WatchTaggedGroupsOptions): AsgDnsUpdater {
    const updater = AsgDnsUpdater.of(scope, options);
    const zones = options?.hostedZones ?? [];
    if (zones.length === 0) {
      throw fleetError(scope, 'watchTaggedGroups needs hostedZones', 'list the hosted zones tagged groups may write to, e.g. { hostedZones: [zone], recordNames: [\'*.qa.example.com\'] } (without them any tagged group could change any zone)');
    }
    const names = checkNamePatterns(scope, options?.recordNames, zones);
    updater.addTaggedBounds(zones, names);
    for (const name of options.lifecycleGroupNames ?? []) updater.allowLifecycle(scope, name);
    return updater;
  }

  /** The updater function. It has no reserved concurrency: the FIFO queue serializes it. */
  public readonly function: lambda.Function;
  /** The FIFO queue every event goes through (one message group per record, plus the intake group). */
  public readonly queue: sqs.Queue;
  /** Queue messages that failed {@link MAX_RECEIVES} times (kept 14 days). */
  public readonly queueDeadLetterQueue: sqs.Queue;
  /** Events EventBridge could not deliver to the queue, and failed asynchronous invocations (kept 14 days). */
  public readonly deadLetterQueue: sqs.Queue;
  /** The function's SQS event source (partial batch responses). */
  public readonly eventSourceMapping: lambda.EventSourceMapping;
  /**
   * In alarm when something failed for good: a record that cannot be made right (quota, foreign record, AccessDenied),
   * a message in a dead-letter queue, a crashed invocation. Add your actions.
   */
  public readonly errorAlarm: cloudwatch.Alarm;
  /** The reconcile schedule. */
  public readonly reconcileRule: events.Rule;
  /** How often every group is re-synced. */
  public readonly reconcileInterval: Duration;
  /** The owner id (the stack name): the informational `DomainMetaOwner` tag of its groups. Ownership is by group name. */
  public readonly owner: string;
  private readonly watched = new Set<string>();
  private readonly rules: events.Rule[] = [];
  private readonly records: IConstruct[] = [];
  private readonly taggedZones: string[] = [];
  private readonly taggedNames: string[] = [];
  private readonly ownGroups: string[] = [];
  private readonly lifecycleGroups: string[] = [];
  private readonly consumePolicy: iam.Policy;

  constructor(scope: Construct, id: string, props: AsgDnsUpdaterProps = {}) {
    super(scope, id);
    this.reconcileInterval = props.reconcileInterval ?? Duration.minutes(5);
    checkDuration(this, 'reconcileInterval', this.reconcileInterval, { min: Duration.minutes(1), wholeUnit: 'minutes' });
    const stack = Stack.of(this);
    this.owner = Token.isUnresolved(stack.stackName) ? Names.uniqueId(this) : stack.stackName;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeFinding(this.deadLetterQueue, { id: 'AwsSolutions-SQS3', reason: 'this queue is the dead-letter queue of the DNS updater\'s EventBridge targets and asynchronous invocations' });
    this.queueDeadLetterQueue = new sqs.Queue(this, 'QueueDeadLetters', {
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeFinding(this.queueDeadLetterQueue, { id: 'AwsSolutions-SQS3', reason: 'this queue is the dead-letter queue of the DNS updater\'s FIFO queue' });
    this.queue = new sqs.Queue(this, 'Queue', {
      fifo: true,
      // EventBridge sets no deduplication id, so a FIFO target needs content-based deduplication. An event carries its
      // own id and time, so only a redelivery of the same event is dropped.
      contentBasedDeduplication: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda requires at least the function timeout; a retried message waits this long (and holds the group).
      visibilityTimeout: FUNCTION_TIMEOUT.plus(Duration.minutes(1)),
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.queueDeadLetterQueue, maxReceiveCount: MAX_RECEIVES },
    });

    this.function = fleetHandlerFunction(this, 'Function', {
      handler: 'asg-dns-updater',
      description: 'Keeps Route 53 records equal to the InService instances of Auto Scaling groups tagged DomainMeta',
      // Room for SDK retries under Route 53's 5 requests/s and the wait for INSYNC before each drain completes.
      timeout: FUNCTION_TIMEOUT,
      memorySize: 256,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
      environment: {
        [UPDATER_ENV.owner]: this.owner,
        [UPDATER_ENV.queueUrl]: this.queue.queueUrl,
        [UPDATER_ENV.messageGroup]: UPDATER_MESSAGE_GROUP,
        [UPDATER_ENV.maxReceives]: String(MAX_RECEIVES),
        [UPDATER_ENV.taggedZones]: Lazy.string({ produce: () => this.taggedZones.join(',') }),
        [UPDATER_ENV.taggedNames]: Lazy.string({ produce: () => this.taggedNames.join(',') }),
        // Ownership by name, set only by this stack: never by a tag another stack could put on its own group.
        [UPDATER_ENV.groups]: Lazy.string({ produce: () => this.ownGroups.join(',') }),
        [UPDATER_ENV.lifecycleGroups]: Lazy.string({ produce: () => this.lifecycleGroups.join(',') }),
      },
    });
    this.node.addValidation({
      validate: () => (this.ownGroups.length + this.lifecycleGroups.length > MAX_OWN_GROUPS
        ? [`${this.node.path}: ${this.ownGroups.length + this.lifecycleGroups.length} Auto Scaling groups on one DNS updater, more than ${MAX_OWN_GROUPS}: their names are the function's configuration, and Lambda holds 4 KB of it. Fix: put the records of some groups in another stack (one updater per stack).`]
        : []),
    });
    // Direct invocations (custom resource, SNS) are forwarded into the queue, behind what is already there.
    this.queue.grantSendMessages(this.function);
    // Its own policy, so the mapping can wait for it (Lambda checks the role when the mapping is created).
    this.consumePolicy = new iam.Policy(this, 'ConsumeQueue', {
      statements: [new iam.PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [this.queue.queueArn],
      })],
    });
    this.function.role!.attachInlinePolicy(this.consumePolicy);
    this.eventSourceMapping = this.function.addEventSourceMapping('Queue', {
      eventSourceArn: this.queue.queueArn,
      batchSize: BATCH_SIZE,
      reportBatchItemFailures: true,
      // One message group per record lets Lambda run one invocation per record at once; Route 53 takes 5 requests a
      // second per account, so a reconcile of many records would throttle itself. A cap, not a reservation: it
      // holds nothing back from the account's (new accounts: 10) concurrency.
      maxConcurrency: UPDATER_MAX_CONCURRENCY,
    });
    this.eventSourceMapping.node.addDependency(this.consumePolicy);

    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['autoscaling:DescribeAutoScalingGroups', 'ec2:DescribeInstances'],
      resources: ['*'],
    }));
    const changeArn = stack.formatArn({ service: 'route53', region: '', account: '', resource: 'change', resourceName: '*' });
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['route53:GetChange'], resources: [changeArn] }));
    const role = this.function.role!;
    for (const finding of ['Resource::*', `Resource::${nagResourceName(this, changeArn)}`]) {
      acknowledgeFinding(role, {
        id: `AwsSolutions-IAM5[${finding}]`,
        reason: 'autoscaling:DescribeAutoScalingGroups and ec2:DescribeInstances support no resource-level permissions; route53:GetChange ids are only known after the write',
      });
    }

    this.reconcileRule = this.addRule(new events.Rule(this, 'Reconcile', {
      description: 'Re-syncs every Route 53 record kept by the ASG DNS updater',
      schedule: events.Schedule.rate(this.reconcileInterval),
      targets: [this.target()],
    }));

    const period = Duration.minutes(5);
    this.errorAlarm = new cloudwatch.Alarm(this, 'ErrorAlarm', {
      alarmDescription: 'The ASG DNS updater failed for good: a record may not follow its instances (see the function logs and the dead-letter queues)',
      metric: new cloudwatch.MathExpression({
        label: 'updater failures',
        expression: 'FILL(crashes, 0) + FILL(records, 0) + FILL(dead, 0) + FILL(undelivered, 0)',
        period,
        usingMetrics: {
          crashes: this.function.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
          records: new cloudwatch.Metric({
            namespace: UPDATER_METRIC.namespace, metricName: UPDATER_METRIC.failures,
            dimensionsMap: { [UPDATER_METRIC.dimension]: this.function.functionName }, period, statistic: cloudwatch.Stats.SUM,
          }),
          dead: this.queueDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
          undelivered: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
        },
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * An EventBridge target: the FIFO queue, with retries and the dead-letter queue. `recordName` (normalised) sends the
   * events into that record's message group; without it they go to the intake group and are fanned out from there.
   */
  public target(recordName?: string): events.IRuleTarget {
    return new targets.SqsQueue(this.queue, {
      messageGroupId: recordName === undefined ? UPDATER_MESSAGE_GROUP : recordMessageGroup(recordName),
      retryAttempts: 8, maxEventAge: Duration.hours(2), deadLetterQueue: this.deadLetterQueue,
    });
  }

  /**
   * Makes the group one of this updater's own (by name, in the function's configuration), forwards its Auto Scaling
   * events to the queue (into the message group of `recordName`, its record's normalised name, when given) and lets the
   * function complete lifecycle actions on that group only. Returns the rule (or undefined when the group is already
   * watched).
   */
  public watchGroup(scope: Construct, group: autoscaling.IAutoScalingGroup, recordName?: string): events.Rule | undefined {
    const key = group.node.addr;
    if (this.watched.has(key)) return undefined;
    this.watched.add(key);
    this.ownGroups.push(group.autoScalingGroupName);
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['autoscaling:CompleteLifecycleAction'],
      resources: [group.autoScalingGroupArn],
    }));
    acknowledgeFinding(this.function.role!, {
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, group.autoScalingGroupArn)}]`,
      reason: 'a group ARN holds a generated id the group name does not reveal; the name pins the statement to this one group',
    });
    return this.addRule(new events.Rule(scope, 'Events', {
      description: 'Launches, terminations and lifecycle actions of one Auto Scaling group, for its DNS record',
      eventPattern: { source: ['aws.autoscaling'], detailType: HANDLED_DETAIL_TYPES, detail: { AutoScalingGroupName: [group.autoScalingGroupName] } },
      targets: [this.target(recordName)],
    }));
  }

  /** Lets the function complete the drain lifecycle actions of the tagged group `groupName` (by name, not by tag). */
  private allowLifecycle(scope: Construct, groupName: string): void {
    if (!Token.isUnresolved(groupName) && !/^[^:/\s][^:]{0,254}$/.test(groupName)) {
      throw fleetError(scope, `lifecycleGroupNames entry '${groupName}' is not an Auto Scaling group name`, 'give the group names (1 to 255 characters, no colon), not ARNs');
    }
    if (this.lifecycleGroups.includes(groupName)) return;
    this.lifecycleGroups.push(groupName);
    const arn = Stack.of(this).formatArn({
      service: 'autoscaling', resource: 'autoScalingGroup', resourceName: `*:autoScalingGroupName/${groupName}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['autoscaling:CompleteLifecycleAction'], resources: [arn] }));
    acknowledgeFinding(this.function.role!, {
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, arn)}]`,
      reason: `a group ARN holds an id generated at creation; the name pins the statement to the group ${groupName}, which the user listed in lifecycleGroupNames`,
    });
  }

  /**
   * Orders a record's custom resource against the updater: created after the function, its queue and the queue's
   * mapping (the first sync goes through them) and deleted before them; every rule that feeds the queue is created
   * after it and deleted before it, so no event re-creates a record once its cleanup ran.
   */
  public addRecordResource(resource: CustomResource): void {
    // The queue resource itself, not its policy: the policy names the rules (aws:SourceArn), which come after.
    resource.node.addDependency(this.function, this.function.role!, this.queue.node.defaultChild!, this.eventSourceMapping, this.consumePolicy);
    this.records.push(resource);
    for (const rule of this.rules) rule.node.addDependency(resource);
  }

  private addRule(rule: events.Rule): events.Rule {
    this.rules.push(rule);
    for (const record of this.records) rule.node.addDependency(record);
    return rule;
  }

  private addTaggedBounds(zones: route53.IHostedZone[], names: string[]): void {
    const first = !this.node.tryFindChild('TaggedGroups');
    if (first) {
      this.addRule(new events.Rule(this, 'TaggedGroups', {
        description: `Auto Scaling events of every group, for groups tagged ${DOMAIN_META_TAG} within the declared zones and names`,
        eventPattern: { source: ['aws.autoscaling'], detailType: HANDLED_DETAIL_TYPES },
        targets: [this.target()],
      }));
      // No CompleteLifecycleAction here: a tag condition would follow tags anyone may set (lifecycleGroupNames instead).
    }
    this.taggedZones.push(...zones.map((z) => z.hostedZoneId));
    this.taggedNames.push(...names);
    const arns = zones.map((z) => z.hostedZoneArn);
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['route53:ChangeResourceRecordSets'],
      resources: arns,
      conditions: {
        'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': names },
        'ForAllValues:StringEquals': {
          'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA'],
          'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
        },
      },
    }));
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['route53:GetHostedZone', 'route53:ListResourceRecordSets'], resources: arns }));
  }
}

const PATTERN = /^[a-z0-9_*?-]+(\.[a-z0-9_*?-]+)+$/;

/**
 * Record-name patterns as Route 53 normalises names for IAM: lower case, no trailing dot; letters, digits, `-`, `_`
 * and the `*`/`?` wildcards. Each must lie inside one of the zones (when their names are known at synth).
 */
function checkNamePatterns(scope: Construct, patterns: string[] | undefined, zones: route53.IHostedZone[]): string[] {
  if (!patterns || patterns.length === 0) {
    throw fleetError(scope, 'watchTaggedGroups needs recordNames', 'list the record names tagged groups may write, e.g. recordNames: [\'*.qa.example.com\'] (without them a tagged group could point any name of the zones at its instances)');
  }
  const zoneNames = zones.map(knownZoneName);
  return patterns.map((raw) => {
    if (Token.isUnresolved(raw)) throw fleetError(scope, 'a recordNames pattern is a token', 'give the patterns as plain strings (they become IAM conditions)');
    const p = raw.trim().toLowerCase().replace(/\.$/, '');
    if (!PATTERN.test(p)) {
      throw fleetError(scope, `recordNames pattern '${raw}' is not a fully qualified name pattern`, "use labels of letters, digits, '-', '_' with '*' or '?' wildcards, like '*.qa.example.com'");
    }
    if (zoneNames.every((z) => z !== undefined) && !zoneNames.some((z) => p === z || p.endsWith(`.${z}`))) {
      throw fleetError(scope, `recordNames pattern '${raw}' is outside the hosted zones (${zoneNames.join(', ')})`,
        `end it in the literal name of one of the zones, e.g. '*.${zoneNames[0]}'`);
    }
    return p;
  });
}

/** The zone's name, lower case without trailing dot, or undefined when not known at synth (token, imported by id). */
export function knownZoneName(zone: route53.IHostedZone): string | undefined {
  try {
    return Token.isUnresolved(zone.zoneName) ? undefined : zone.zoneName.toLowerCase().replace(/\.$/, '');
  } catch {
    return undefined; // HostedZone.fromHostedZoneId has no name
  }
}
