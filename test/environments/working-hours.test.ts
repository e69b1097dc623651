import { Template } from 'aws-cdk-lib/assertions';
import { FleetCluster, FleetService, WeekDays } from '../../lib';
import { applyWorkingHours, workingHoursPlan } from '../../lib/environments/working-hours';
import { testStack } from '../support/fixtures';

describe('workingHoursPlan', () => {
  test('back 30 minutes before the day starts, down at its end, on the working days, in the given time zone', () => {
    expect(workingHoursPlan({ start: 7, end: 19, timeZone: 'Europe/Berlin' })).toEqual({
      timeZone: 'Europe/Berlin',
      morning: { hour: 6, minute: 30, weekDays: WeekDays.WEEKDAYS, cronDays: '1-5' },
      evening: { hour: 19, minute: 0, weekDays: WeekDays.WEEKDAYS, cronDays: '1-5' },
    });
    expect(workingHoursPlan({ start: 1, end: 2, weekDays: WeekDays.EVERY_DAY })).toMatchObject({ timeZone: 'UTC', morning: { hour: 0, cronDays: '*' } });
    expect(workingHoursPlan({ start: 9, end: 17, weekDays: WeekDays.WEEKENDS })).toMatchObject({ evening: { cronDays: '0,6' } });
  });

  test.each([
    [{ start: 0, end: 19 }, /start 0 is not an hour from 1 to 23/],
    [{ start: 7.5, end: 19 }, /start 7.5/],
    [{ start: 7, end: 7 }, /end 7 is not an hour after start/],
    [{ start: 7, end: 24 }, /end 24/],
    [{ start: 7, end: 19, timeZone: 'CET +1' }, /timeZone 'CET \+1' is not an IANA time zone/],
  ])('refuses %j', (hours, problem) => {
    const plan = workingHoursPlan(hours);
    expect('problem' in plan && plan.problem).toMatch(problem);
  });
});

describe('applyWorkingHours', () => {
  function build(extra: { scaled?: boolean } = {}) {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 2, maxCapacity: 3 });
    const web = new FleetService(stack, 'web', { cluster, image: 'nginx:1.27', desiredCount: 3, scaling: extra.scaled ? { maxTasks: 4 } : undefined });
    const idle = new FleetService(stack, 'idle', { cluster, image: 'nginx:1.27', desiredCount: 0 });
    applyWorkingHours(stack, { start: 8, end: 18, timeZone: 'America/New_York' }, cluster, 2, [web, idle]);
    return { stack, template: Template.fromStack(stack) };
  }

  test('each service gets a scalable target fixed at its task count by day and 0 at night, and no pinned DesiredCount', () => {
    const { template } = build();
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 1);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 3, MaxCapacity: 3,
      ScheduledActions: [
        { ScheduledActionName: 'Schedule1', Schedule: 'cron(30 7 ? * MON-FRI *)', ScalableTargetAction: { MinCapacity: 3, MaxCapacity: 3 }, Timezone: 'America/New_York' },
        { ScheduledActionName: 'Schedule2', Schedule: 'cron(0 18 ? * MON-FRI *)', ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 }, Timezone: 'America/New_York' },
      ],
    });
    const services = Object.values<any>(template.findResources('AWS::ECS::Service'));
    // The scheduled one leaves its count to the target (a deploy at night does not wake it); the idle one keeps 0.
    expect(services.map((s) => s.Properties.DesiredCount).sort()).toEqual([0, undefined]);
  });

  test('the cluster\'s instances: minimum and desired 0 at night, the minimum again in the morning, in the time zone', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', { Recurrence: '0 18 * * 1-5', MinSize: 0, DesiredCapacity: 0, TimeZone: 'America/New_York' });
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', { Recurrence: '30 7 * * 1-5', MinSize: 2, TimeZone: 'America/New_York' });
    template.resourceCountIs('AWS::AutoScaling::ScheduledAction', 2);
  });

  test('a service that already scales is refused, naming the fix', () => {
    expect(() => build({ scaled: true })).toThrow(/web: the service already scales, so working hours cannot schedule it. Fix: leave workingHours out/);
  });

  test('bad working hours fail at synth with the fix', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0 });
    expect(() => applyWorkingHours(stack, { start: 19, end: 7 }, cluster, 1, [])).toThrow(/workingHours.end 7 is not an hour after start \(19\).*Fix: give the hour the working day ends/);
  });
});
