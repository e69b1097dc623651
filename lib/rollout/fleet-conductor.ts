import { ArnFormat, Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';
import { fleetError } from '../errors';
import { fleetHandlerFunction } from '../handler-function';
import { nagResourceName } from '../nag';
import { checkDuration } from '../validation';
import { CleanSlate } from './clean-slate';
import { planRollout, RolloutPlanError } from './planner';
import { RegionalEndpoint } from './regional-endpoint';
import { acknowledgeStateMachineRole, failedRunAlarm, nightlySchedule } from './nightly-run';

/** One region the conductor drives: its clean slate and its latency record. */
export interface ConductedRegion {
  /** The region's clean slate (created with `nightly: false`: the conductor starts it). */
  readonly cleanSlate: CleanSlate;
  /**
   * The region's latency record and health check: the conductor inverts the health check to withdraw the region and
   * reads it to check the region's health.
   *
   * @default - no public name: the region is rebuilt without leaving DNS, and its health is its clean slate's own
   * stability check (every service at its desired count with a completed deployment)
   */
  readonly endpoint?: RegionalEndpoint;
  /**
   * The load balancer whose request count is the region's load.
   *
   * @default - the endpoint's load balancer; without either the region's load is unknown and the night uses the ring
   */
  readonly loadBalancer?: elbv2.IApplicationLoadBalancer;
  /**
   * Whether the region's alarms gate the night: after its rebuild (before it goes back into DNS, and while it is
   * watched under traffic) the conductor halts, before the next region, when any alarm notifying the region's alarm
   * topic (its cluster's `alarmTopic`) is in ALARM.
   *
   * @default true
   */
  readonly alarmGate?: boolean;
}

/** A conducted region, checked. */
interface Region {
  readonly region: string;
  readonly cleanSlate: CleanSlate;
  readonly endpoint?: RegionalEndpoint;
  readonly loadBalancer?: elbv2.IApplicationLoadBalancer;
  /** The topic whose alarms gate the region, unless `alarmGate` is false. */
  readonly alarmTopic?: sns.ITopic;
  readonly stack: Stack;
}

/** Properties of a {@link FleetConductor}. */
export interface FleetConductorProps {
  /**
   * Name of the fleet, unique in the account: it names the SSM parameters (`/cdk-container-fleet/<fleetName>/…`) and
   * the conductor's role, which the regions' stacks refer to by name (no cross-region references).
   */
  readonly fleetName: string;
  /** The regions of the fleet, each with its own stack, all in the conductor's account. */
  readonly regions: ConductedRegion[];
  /**
   * Round-trip latency between regions in milliseconds, for choosing each region's peer (see `RolloutPlanner.plan`).
   *
   * @default - no latencies: a region's peer is the least busy region that stays up
   */
  readonly latencyMs?: { [region: string]: { [region: string]: number } };
  /**
   * When the night starts.
   *
   * @default - every day at 00:00 UTC
   */
  readonly schedule?: scheduler.ScheduleExpression;
  /**
   * Whether the nightly schedule fires. `false` pauses the fleet's nights (manual runs still work).
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * How long a night may run. No region's step starts unless its whole budget (clean-slate timeout, drain, health,
   * settle) fits before the window closes, so a late night stops between regions, never in the middle of one.
   *
   * @default 8 hours
   */
  readonly window?: Duration;
  /**
   * How long a region is watched under traffic once back in DNS before the next region starts.
   *
   * @default 10 minutes
   */
  readonly settle?: Duration;
  /**
   * How long a rebuilt region (still out of DNS) may take to pass its health check.
   *
   * @default 10 minutes
   */
  readonly healthTimeout?: Duration;
  /**
   * How often the clean slate and the health check are polled.
   *
   * @default 1 minute
   */
  readonly pollInterval?: Duration;
  /**
   * Notified when a night halts, is refused by the lock, times out or is aborted.
   *
   * @default - the alarm has no action; add one to `alarm`
   */
  readonly alarmTopic?: sns.ITopic;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/;

/**
 * Name of the inline policy a region's stack puts on the conductor's role: one per region (the conductor refuses a
 * region given twice), so no two stacks declare the same policy on the role.
 */
function conductorAccessPolicyName(region: string): string {
  return `conductor-health-check-${region}`;
}

/** `app/<name>/<id>` from `arn:…:loadbalancer/app/<name>/<id>`: the `LoadBalancer` dimension of its metrics. */
function loadBalancerFullName(arn: string): string {
  const parts = Fn.split('/', arn);
  return Fn.join('/', [Fn.select(1, parts), Fn.select(2, parts), Fn.select(3, parts)]);
}

/**
 * One nightly conductor for a multi-region fleet, in its home region (the stack it is created in). Every night
 * (EventBridge Scheduler, its own schedule group) a Step Functions state machine takes the fleet lock (a conditional
 * DynamoDB write), reads each region's last 30 minutes of load balancer requests, forecasts 30 minutes ahead, plans
 * least busy first, then for each region in turn: withdraws it from DNS (inverts its Route 53 health check), runs its
 * {@link CleanSlate}, waits for success, checks its health, puts it back, watches it under traffic, and only then goes
 * on. The first failure halts the night, leaves the failed region out of DNS (never two, never the last serving one),
 * records why (SSM parameter `recordParameter`) and alarms. See docs/rollout.md and docs/runbook.md.
 *
 * Each region's stack gets a parameter describing the region and a policy letting the conductor's role use that
 * region's health check; those stacks must deploy after the conductor's (a stack dependency is added).
 */
export class FleetConductor extends Construct {
  /** The handler every task state calls. */
  public readonly function: lambda.Function;
  /** The night's state machine. Start it by hand for a manual night (input: `{}`, `{"startFrom": "<region>"}` or `{"only": ["<region>"]}`). */
  public readonly stateMachine: sfn.StateMachine;
  /** The one nightly trigger of the fleet. */
  public readonly schedule: scheduler.Schedule;
  /** The schedule's own group. */
  public readonly scheduleGroup: scheduler.ScheduleGroup;
  /** The fleet lock: one item, written conditionally. */
  public readonly lockTable: dynamodb.Table;
  /** "Last night's record": the outcome, order, failure and where DNS was left, as JSON. */
  public readonly recordParameter: ssm.StringParameter;
  /** In alarm when a night halted, was refused, timed out or was aborted. */
  public readonly alarm: cloudwatch.Alarm;
  /** Name of the conductor's role, which the regions' stacks grant their health checks to. */
  public readonly roleName: string;
  private readonly executionArns: string[] = [];
  private readonly alarmArns: string[] = [];

  constructor(scope: Construct, id: string, props: FleetConductorProps) {
    super(scope, id);
    if (!NAME.test(props.fleetName ?? '')) {
      throw fleetError(this, `fleetName '${props.fleetName}' is not valid`, 'use 1 to 40 letters, digits, _ . or -, starting with a letter or digit');
    }
    if (!props.regions?.length) throw fleetError(this, 'no regions were given', 'pass { cleanSlate, endpoint } for every region of the fleet');
    const regions = props.regions.map((r) => this.checkRegion(r));
    const names = regions.map((r) => r.region);
    const dup = names.find((r, i) => names.indexOf(r) !== i);
    if (dup) throw fleetError(this, `region ${dup} is given twice`, 'give each region once');
    try {
      planRollout({ regions: names.map((name) => ({ name })), latencyMs: props.latencyMs });
    } catch (e) {
      if (e instanceof RolloutPlanError) throw fleetError(this, e.message, 'fix latencyMs');
      throw e;
    }

    const window = props.window ?? Duration.hours(8);
    checkDuration(this, 'window', window, { min: Duration.minutes(30), max: Duration.hours(23), why: 'a night must end before the next one' });
    const settle = props.settle ?? Duration.minutes(10);
    checkDuration(this, 'settle', settle, { min: Duration.minutes(1), max: Duration.hours(2), why: 'long enough to see a region under traffic, short enough for the night' });
    const healthTimeout = props.healthTimeout ?? Duration.minutes(10);
    checkDuration(this, 'healthTimeout', healthTimeout, { min: Duration.minutes(1), max: Duration.hours(2), why: 'Route 53 needs a few checks, a night cannot wait for ever' });
    const poll = props.pollInterval ?? Duration.minutes(1);
    checkDuration(this, 'pollInterval', poll, { min: Duration.seconds(30), max: Duration.minutes(15), why: 'GetHealthCheckStatus is a diagnostic API, not for high rates' });
    // Withdrawal: the slowest region's detection plus time for the inverted configuration to reach the checkers.
    const withdrawn = regions.filter((r) => r.endpoint).map((r) => r.endpoint!.withdrawSeconds);
    const drainSeconds = withdrawn.length ? Math.max(...withdrawn) + 30 : 1;
    const stepBudgetSeconds = Math.max(...regions.map((r) => r.cleanSlate.timeout.toSeconds())) + drainSeconds + healthTimeout.toSeconds() + settle.toSeconds() + 2 * poll.toSeconds();
    if (stepBudgetSeconds > window.toSeconds()) {
      throw fleetError(this, `one region's step may take ${stepBudgetSeconds} s, longer than the ${window.toHumanString()} window`, 'lengthen window or shorten the clean slates\' timeout');
    }
    // A dead night's lock is taken over once the longest a night can run (window + the backstop) has passed.
    const leaseSeconds = window.toSeconds() + 3600;

    const prefix = `/cdk-container-fleet/${props.fleetName}`;
    const parameterPrefix = `${prefix}/conductor`;
    this.roleName = `${props.fleetName}-fleet-conductor`;

    this.recordParameter = new ssm.StringParameter(this, 'LastNight', {
      parameterName: `${prefix}/last-night`,
      description: `Last night's record of the ${props.fleetName} fleet conductor (JSON, written by the conductor)`,
      stringValue: JSON.stringify({ outcome: 'no night yet' }),
    });

    this.function = fleetHandlerFunction(this, 'Function', {
      handler: 'fleet-conductor',
      // A fixed name, so each region's stack can grant its own health check to this role without a cross-region reference.
      roleName: this.roleName,
      description: `Fleet conductor of ${props.fleetName}: plans the night, withdraws and restores regions, drives their clean slates`,
      timeout: Duration.minutes(2),
      memorySize: 256,
      environment: {
        REGIONS: JSON.stringify(names),
        PARAMETER_PREFIX: parameterPrefix,
        RECORD_PARAMETER: this.recordParameter.parameterName,
        LATENCY_MS: JSON.stringify(props.latencyMs ?? {}),
        DRAIN_SECONDS: String(drainSeconds),
        POLL_SECONDS: String(poll.toSeconds()),
        HEALTH_TIMEOUT_SECONDS: String(healthTimeout.toSeconds()),
        SETTLE_SECONDS: String(settle.toSeconds()),
        STEP_BUDGET_SECONDS: String(stepBudgetSeconds),
        WINDOW_SECONDS: String(window.toSeconds()),
        LEASE_SECONDS: String(leaseSeconds),
      },
    });
    // Only overwrite the record (grantWrite would also allow deleting and labelling it).
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:PutParameter'], resources: [this.recordParameter.parameterArn] }));

    for (const r of regions) this.grantRegion(r, parameterPrefix);
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));

    this.lockTable = new dynamodb.Table(this, 'LockTable', {
      partitionKey: { name: 'lock', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachine = this.createStateMachine({ drainSeconds, poll, window });

    const nightly = nightlySchedule(this, this.stateMachine, { description: `Nightly clean slate of the ${props.fleetName} fleet, region by region`, schedule: props.schedule, enabled: props.enabled });
    this.scheduleGroup = nightly.group;
    this.schedule = nightly.schedule;

    this.alarm = failedRunAlarm(this, 'HaltedAlarm', this.stateMachine, {
      label: 'Conductor nights that halted, were refused, timed out or were aborted',
      description: `The ${props.fleetName} fleet's night halted (a region failed: it is left out of DNS), was refused by the lock, timed out or was aborted: read ${prefix}/last-night`,
      topic: props.alarmTopic,
    });

    this.acknowledge();
  }

  private checkRegion(r: ConductedRegion): Region {
    const stack = Stack.of(r.cleanSlate);
    const region = stack.region;
    if (Token.isUnresolved(region)) {
      throw fleetError(this, `the stack of ${r.cleanSlate.node.path} has no concrete region`, "give every region's stack env: { region: '…' }");
    }
    if (r.endpoint && (Stack.of(r.endpoint) !== stack || r.endpoint.region !== region)) {
      throw fleetError(this, `${r.endpoint.node.path} is not in the stack of ${r.cleanSlate.node.path}`, 'pair each region\'s clean slate with the endpoint of the same region');
    }
    const home = Stack.of(this);
    if (!Token.isUnresolved(stack.account) && !Token.isUnresolved(home.account) && stack.account !== home.account) {
      throw fleetError(this, `${stack.stackName} is in account ${stack.account}, the conductor in ${home.account}`, 'keep a fleet and its conductor in one account');
    }
    if (r.cleanSlate.schedule) {
      throw fleetError(this, `${r.cleanSlate.node.path} has its own nightly schedule, so the region would be rebuilt twice a night, once outside the fleet's order`, 'create it with nightly: false');
    }
    const alarmTopic = r.alarmGate === false ? undefined : r.cleanSlate.cluster.alarmTopic;
    return { region, cleanSlate: r.cleanSlate, endpoint: r.endpoint, loadBalancer: r.loadBalancer ?? r.endpoint?.loadBalancer, stack, alarmTopic };
  }

  /**
   * What the conductor may do in one region: read its parameter, start and describe its clean slate (granted here,
   * the names are known), and use its health check (granted by the region's own stack, where the id is known).
   */
  private grantRegion(r: Region, parameterPrefix: string): void {
    const home = Stack.of(this);
    const executions = home.formatArn({ service: 'states', region: r.region, resource: 'execution', resourceName: `${r.cleanSlate.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.executionArns.push(executions);
    const arn = (service: string, resource: string, resourceName: string, arnFormat?: ArnFormat) =>
      home.formatArn({ service, region: r.region, resource, resourceName, arnFormat });
    const parameterName = `${parameterPrefix}/${r.region}`;
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter'],
      resources: [arn('ssm', 'parameter', parameterName.slice(1))],
    }));
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['states:StartExecution'],
      resources: [arn('states', 'stateMachine', r.cleanSlate.stateMachineName, ArnFormat.COLON_RESOURCE_NAME)],
    }));
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['states:DescribeExecution'],
      resources: [executions],
    }));
    if (r.alarmTopic) {
      // Read-only, metric alarms of the region's account only. The alarms are found by their action (the region's
      // topic), not by name: their names share no prefix (CloudFormation's start with the stack name, the fixed ones
      // with the construct path), so a name pattern could not hold them all.
      const alarms = arn('cloudwatch', 'alarm', '*', ArnFormat.COLON_RESOURCE_NAME);
      this.alarmArns.push(alarms);
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: [alarms] }));
    }

    // In the region's stack: what the conductor needs to know of it, and its health check.
    const link = new Construct(r.cleanSlate, 'Conductor');
    new ssm.StringParameter(link, 'Target', {
      parameterName,
      description: `How the ${parameterPrefix.split('/')[2]} fleet conductor drives ${r.region}`,
      stringValue: r.stack.toJsonString({
        stateMachineArn: r.cleanSlate.stateMachine.stateMachineArn,
        healthCheckId: r.endpoint?.healthCheck.healthCheckId ?? '',
        loadBalancer: r.loadBalancer ? loadBalancerFullName(r.loadBalancer.loadBalancerArn) : '',
        alarmTopicArn: r.alarmTopic?.topicArn ?? '',
      }),
    });
    if (r.stack !== home) r.stack.addStackDependency(home, 'the fleet conductor is deployed before its regions');
    if (!r.endpoint) return;
    const endpoint = r.endpoint;
    const access = new iam.Policy(link, 'Access', {
      // An inline policy's name is unique per role, and every region's stack attaches one to the same named role: the
      // generated name (the logical id, the same in every region's stack) would make CloudFormation refuse the second
      // region ("already exists in stack …"), or, before it checked, let each deploy overwrite the previous region's.
      policyName: conductorAccessPolicyName(r.region),
      roles: [iam.Role.fromRoleName(link, 'ConductorRole', this.roleName)],
      statements: [new iam.PolicyStatement({
        actions: ['route53:GetHealthCheck', 'route53:GetHealthCheckStatus', 'route53:UpdateHealthCheck'],
        resources: [`arn:${r.stack.partition}:route53:::healthcheck/${endpoint.healthCheck.healthCheckId}`],
      })],
    });
    // The policy attaches to the conductor's role by name, so the role must exist first.
    if (r.stack === home) access.node.addDependency(this.function.role!);
  }

  private createStateMachine(o: { drainSeconds: number; poll: Duration; window: Duration }): sfn.StateMachine {
    const invoke = (id: string, action: string, comment: string) => {
      const t = new tasks.LambdaInvoke(this, id, {
        comment,
        lambdaFunction: this.function,
        payload: sfn.TaskInput.fromObject({ action, 'night.$': '$.night' }),
        payloadResponseOnly: true,
        resultPath: '$.night',
      });
      // Throttled AWS calls (after the SDK's own 8 attempts) and Lambda throttles are retried; everything else halts.
      t.addRetry({
        errors: ['Lambda.TooManyRequestsException', 'ThrottlingException', 'Throttling', 'TooManyRequestsException', 'PriorRequestNotComplete'],
        interval: Duration.seconds(10), maxAttempts: 4, backoffRate: 2,
      });
      return t;
    };

    const open = new tasks.LambdaInvoke(this, 'Open', {
      comment: 'Open the night: its deadline and the lease of the fleet lock',
      lambdaFunction: this.function,
      payload: sfn.TaskInput.fromObject({ action: 'open', 'execution.$': '$$.Execution.Id', 'startedAt.$': '$$.Execution.StartTime', 'input.$': '$' }),
      payloadResponseOnly: true,
      resultPath: '$.night',
    });
    const lockKey = { lock: tasks.DynamoAttributeValue.fromString('fleet') };
    const lock = new tasks.DynamoPutItem(this, 'Lock', {
      comment: 'The fleet lock: a conditional write that only succeeds when no live night holds it',
      table: this.lockTable,
      item: {
        ...lockKey,
        holder: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.night.execution')),
        expiresAt: tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.stringAt('$.night.lease.until')),
      },
      conditionExpression: 'attribute_not_exists(#lock) OR #expiresAt < :now',
      expressionAttributeNames: { '#lock': 'lock', '#expiresAt': 'expiresAt' },
      expressionAttributeValues: { ':now': tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.stringAt('$.night.lease.now')) },
      resultPath: sfn.JsonPath.DISCARD,
    });
    const alreadyRunning = new sfn.Fail(this, 'AlreadyRunning', {
      error: 'Conductor.AlreadyRunning',
      cause: 'another night of this fleet holds the lock; this one did nothing',
    });
    lock.addCatch(alreadyRunning, { errors: ['DynamoDB.ConditionalCheckFailedException'] });

    const unlock = (id: string) => {
      const t = new tasks.DynamoDeleteItem(this, id, {
        comment: 'Release the fleet lock (only this night\'s)',
        table: this.lockTable,
        key: lockKey,
        conditionExpression: '#holder = :me',
        expressionAttributeNames: { '#holder': 'holder' },
        expressionAttributeValues: { ':me': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.night.execution')) },
        resultPath: sfn.JsonPath.DISCARD,
      });
      return t;
    };

    const plan = invoke('Plan', 'plan', 'Read each region\'s load, forecast 30 minutes ahead, plan least busy first');
    const withdraw = invoke('Withdraw', 'withdraw', 'Withdraw the region from DNS (invert its health check); refuses a second region out, the last serving region, or a step that does not fit the window');
    const drain = new sfn.Wait(this, 'Drain', { comment: 'Resolvers and Route 53 stop sending users to the region', time: sfn.WaitTime.duration(Duration.seconds(o.drainSeconds)) });
    const start = invoke('StartCleanSlate', 'start', 'Start the region\'s CleanSlate state machine (cross-region StartExecution, idempotent by name)');
    const cleanSlateWait = new sfn.Wait(this, 'CleanSlateWait', { time: sfn.WaitTime.duration(o.poll) });
    const poll = invoke('CheckCleanSlate', 'poll', 'DescribeExecution of the region\'s clean slate');
    const health = invoke('CheckHealth', 'health', 'Route 53 health checkers\' observations while the region is still out of DNS');
    const healthWait = new sfn.Wait(this, 'HealthWait', { time: sfn.WaitTime.duration(o.poll) });
    const restore = invoke('Restore', 'restore', 'Put the region back into DNS (health check no longer inverted)');
    const settleWait = new sfn.Wait(this, 'SettleWait', { time: sfn.WaitTime.duration(o.poll) });
    const watch = invoke('Watch', 'watch', 'Watch the region under traffic until the settle period ends');
    const advance = invoke('Advance', 'advance', 'On to the next region');
    const finish = invoke('Finish', 'finish', 'Write last night\'s record');
    const regionFailed = invoke('RegionFailed', 'fail', 'Halt: leave the failed region out of DNS (never two, never the last serving one), write the record');
    const halted = new sfn.Fail(this, 'Halted', { error: 'Conductor.Halted', cause: 'a region failed or a step did not fit the window: read last night\'s record' });
    const done = new sfn.Succeed(this, 'Done');

    for (const t of [plan, withdraw, start, poll, health, restore, watch, advance, finish]) {
      t.addCatch(regionFailed, { errors: ['States.ALL'], resultPath: '$.night.caught' });
    }
    const unlockAfterFailure = unlock('UnlockAfterFailure');
    regionFailed.addCatch(unlockAfterFailure, { errors: ['States.ALL'], resultPath: '$.failError' });
    const unlockAfterSuccess = unlock('Unlock');
    unlockAfterFailure.addCatch(halted, { errors: ['States.ALL'], resultPath: '$.unlockError' });
    unlockAfterSuccess.addCatch(done, { errors: ['States.ALL'], resultPath: '$.unlockError' });

    const nextRegion = new sfn.Choice(this, 'NextRegion?')
      .when(sfn.Condition.booleanEquals('$.night.done', true), finish.next(unlockAfterSuccess).next(done))
      .otherwise(withdraw);
    withdraw.next(drain).next(start).next(cleanSlateWait).next(poll).next(new sfn.Choice(this, 'CleanSlateDone?')
      .when(sfn.Condition.stringEquals('$.night.current.cleanSlate', 'RUNNING'), cleanSlateWait)
      .when(sfn.Condition.stringEquals('$.night.current.cleanSlate', 'SUCCEEDED'), health)
      .otherwise(regionFailed));
    health.next(new sfn.Choice(this, 'Healthy?')
      .when(sfn.Condition.stringEquals('$.night.current.health', 'healthy'), restore)
      .when(sfn.Condition.stringEquals('$.night.current.health', 'pending'), healthWait.next(health))
      .otherwise(regionFailed));
    restore.next(settleWait).next(watch).next(new sfn.Choice(this, 'Settled?')
      .when(sfn.Condition.stringEquals('$.night.current.watch', 'settled'), advance.next(nextRegion))
      .when(sfn.Condition.stringEquals('$.night.current.watch', 'watching'), settleWait)
      .otherwise(regionFailed));
    regionFailed.next(unlockAfterFailure).next(halted);

    const definition = open.next(lock).next(plan).next(nextRegion);
    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    return new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      // Backstop: the handler stops a night between regions once the window is spent; this ends a stuck one.
      timeout: o.window.plus(Duration.minutes(30)),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      comment: 'Fleet conductor: plan by forecast load, then region by region: withdraw, clean slate, health, restore, watch',
    });
  }

  private acknowledge(): void {
    const fnRole = this.function.role!;
    acknowledgeFinding(fnRole, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:GetMetricData supports no resource-level permissions (it reads the regions\' load balancer request counts)',
    });
    for (const alarms of this.alarmArns) {
      acknowledgeFinding(fnRole, {
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, alarms)}]`,
        reason: 'cloudwatch:DescribeAlarms (read-only) on the metric alarms of one conducted region: the conductor picks the region\'s own by their action, its alarm topic, since their names share no prefix',
      });
    }
    for (const executions of this.executionArns) {
      acknowledgeFinding(fnRole, {
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, executions)}]`,
        reason: 'states:DescribeExecution on the executions of one region\'s CleanSlate state machine and no other: execution names are made per night',
      });
    }
    acknowledgeFinding(this.lockTable, {
      id: 'AwsSolutions-DDB3',
      reason: 'the table holds one lock item with its own expiry and nothing else: there is nothing to recover to a point in time',
    });
    acknowledgeStateMachineRole(this.stateMachine, this.function, 'conductor');
  }
}
