import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { RegionConfig, applyRolloutOrder, nightlySchedules, planRegions } from '../../lib/environments/multi-region';
import { EXAMPLE_PRODUCTION } from '../../examples/production/config';
import { ProductionStack } from '../../lib/environments/production';
import { CleanSlate, RegionalEndpoint } from '../../lib/rollout';
import { unitTestApp } from '../support/app';

/** The snippet handed to the lead for bin/environments.ts, compiled and checked here so it cannot rot. */
describe('ProductionStack in several regions, following the plan', () => {
  test('one stack per region with a clean slate in its slot and a latency endpoint; deploy order follows the plan', () => {
    const app = unitTestApp();
    // --- snippet start ---
    const PRODUCTION_REGIONS: RegionConfig[] = [
      { name: 'eu-west-1', load: 300 },
      { name: 'us-east-1', load: 900 },
      { name: 'ap-southeast-2', load: 100 },
    ];
    const plan = planRegions(PRODUCTION_REGIONS, {
      latencyMs: { 'eu-west-1': { 'us-east-1': 70, 'ap-southeast-2': 280 }, 'us-east-1': { 'ap-southeast-2': 200 } },
    });
    const slots = nightlySchedules(plan, { slotMinutes: 120 });
    const stacks: Record<string, ProductionStack> = {};
    for (const r of PRODUCTION_REGIONS) {
      const stack = new ProductionStack(app, `Production-${r.name}`, {
        env: { account: process.env.CDK_DEFAULT_ACCOUNT ?? '111111111111', region: r.name },
        config: EXAMPLE_PRODUCTION,
        description: `cdk-container-fleet example: production in ${r.name}`,
      });
      new CleanSlate(stack, 'CleanSlate', {
        cluster: stack.cluster,
        schedule: scheduler.ScheduleExpression.cron(slots[r.name]),
        timeout: Duration.minutes(120), // at most the slot: a late region fails before the next one starts
      });
      const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'PublicZone', { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
      new RegionalEndpoint(stack, 'Endpoint', { zone, recordName: 'app.example.com', loadBalancer: stack.loadBalancer.loadBalancer, healthCheckPath: '/' });
      stacks[r.name] = stack;
    }
    applyRolloutOrder(plan, stacks);
    // --- snippet end ---

    expect(plan.waves).toEqual([['ap-southeast-2'], ['eu-west-1'], ['us-east-1']]);
    expect(stacks['us-east-1'].dependencies.map((s) => s.stackName)).toEqual(['Production-eu-west-1']);
    expect(stacks['eu-west-1'].dependencies.map((s) => s.stackName)).toEqual(['Production-ap-southeast-2']);
    const t = Template.fromStack(stacks['eu-west-1']);
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 2 * * ? *)' });
    t.hasResourceProperties('AWS::Route53::RecordSet', { Region: 'eu-west-1', SetIdentifier: 'eu-west-1', HealthCheckId: Match.anyValue() });
  });
});
