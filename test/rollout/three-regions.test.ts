import { Stack, Validations } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { applyRolloutOrder, nightlySchedules, planRegions, RegionConfig } from '../../lib/environments/multi-region';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { CleanSlate } from '../../lib/rollout/clean-slate';
import { RegionalEndpoint } from '../../lib/rollout/regional-endpoint';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { validatedApp } from '../support/app';

/**
 * The three-region example, as the lead wires it in bin/: one stack per region with a FleetCluster, a CleanSlate on
 * the region's nightly slot and a RegionalEndpoint, ordered by the planner. Built-in validation (strict) and cdk-nag.
 */
describe('a three-region production app', () => {
  const regions: RegionConfig[] = [
    { name: 'eu-west-1', load: 300 },
    { name: 'us-east-1', load: 900 },
    { name: 'ap-southeast-2', load: 100 },
  ];
  let app: ReturnType<typeof validatedApp>;
  let stacks: Record<string, Stack>;
  const plan = planRegions(regions, { latencyMs: { 'eu-west-1': { 'us-east-1': 70, 'ap-southeast-2': 280 }, 'us-east-1': { 'ap-southeast-2': 200 } } });

  beforeAll(() => {
    app = validatedApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const slots = nightlySchedules(plan, { slotMinutes: 150 });
    stacks = {};
    for (const r of regions) {
      const stack = new Stack(app, `Production-${r.name}`, { env: { account: '111111111111', region: r.name } });
      const cluster = new FleetCluster(stack, 'Cluster');
      new CleanSlate(stack, 'CleanSlate', { cluster, schedule: scheduler.ScheduleExpression.cron(slots[r.name]) });
      const lb = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc });
      const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
      new RegionalEndpoint(stack, 'Endpoint', { zone, recordName: 'app.example.com', loadBalancer: lb.loadBalancer, healthCheckPath: '/health' });
      stacks[r.name] = stack;
    }
    applyRolloutOrder(plan, stacks);
  });

  test('synthesizes with zero unacknowledged findings from built-in validation (strict) and cdk-nag', () => {
    expect(() => app.synth()).not.toThrow();
  });

  test('stacks depend on each other in the plan order: least busy first', () => {
    expect(plan.waves).toEqual([['ap-southeast-2'], ['eu-west-1'], ['us-east-1']]);
    const assembly = app.synth();
    const deps = (name: string) => assembly.getStackByName(name).dependencies.map((d) => d.id).filter((id) => id.startsWith('Production-') && !id.endsWith('.assets'));
    expect(deps('Production-ap-southeast-2')).toEqual([]);
    expect(deps('Production-eu-west-1')).toEqual(['Production-ap-southeast-2']);
    expect(deps('Production-us-east-1')).toEqual(['Production-eu-west-1']);
  });

  test("each region's clean slate starts in its own slot", () => {
    const assembly = app.synth();
    const expressions = regions.map((r) => Object.values(assembly.getStackByName(`Production-${r.name}`).template.Resources as Record<string, any>)
      .find((res) => res.Type === 'AWS::Scheduler::Schedule').Properties.ScheduleExpression);
    expect(expressions).toEqual(['cron(30 2 * * ? *)', 'cron(0 5 * * ? *)', 'cron(0 0 * * ? *)']);
  });
});
