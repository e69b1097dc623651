import { Stack, Validations } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { applyRolloutOrder, planRegions, RegionConfig } from '../../lib/environments/multi-region';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { CleanSlate } from '../../lib/rollout/clean-slate';
import { ConductedRegion, FleetConductor } from '../../lib/rollout/fleet-conductor';
import { RegionalEndpoint } from '../../lib/rollout/regional-endpoint';
import { validatedApp } from '../support/app';

/**
 * The three-region example of docs/rollout.md: one stack per region with a FleetCluster, a CleanSlate driven by the
 * fleet's conductor and a RegionalEndpoint, ordered by the planner; the conductor in its own stack in the home region.
 * Built-in validation (strict) and cdk-nag.
 */
describe('a three-region production app with one conductor', () => {
  const regions: RegionConfig[] = [
    { name: 'eu-west-1', load: 300 },
    { name: 'us-east-1', load: 900 },
    { name: 'ap-southeast-2', load: 100 },
  ];
  const latencyMs = { 'eu-west-1': { 'us-east-1': 70, 'ap-southeast-2': 280 }, 'us-east-1': { 'ap-southeast-2': 200 } };
  let app: ReturnType<typeof validatedApp>;
  let stacks: Record<string, Stack>;
  const plan = planRegions(regions, { latencyMs });

  beforeAll(() => {
    app = validatedApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    stacks = {};
    const conducted: ConductedRegion[] = [];
    for (const r of regions) {
      const stack = new Stack(app, `Production-${r.name}`, { env: { account: '111111111111', region: r.name } });
      const cluster = new FleetCluster(stack, 'Cluster');
      const cleanSlate = new CleanSlate(stack, 'CleanSlate', { cluster, nightly: false });
      const lb = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc });
      const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
      const endpoint = new RegionalEndpoint(stack, 'Endpoint', { zone, recordName: 'app.example.com', loadBalancer: lb.loadBalancer, healthCheckPath: '/health' });
      stacks[r.name] = stack;
      conducted.push({ cleanSlate, endpoint });
    }
    applyRolloutOrder(plan, stacks);
    const home = new Stack(app, 'ProductionConductor', { env: { account: '111111111111', region: 'eu-west-1' } });
    new FleetConductor(home, 'Conductor', { fleetName: 'production', regions: conducted, latencyMs });
  });

  test('synthesizes with zero unacknowledged findings from built-in validation (strict) and cdk-nag', () => {
    expect(() => app.synth()).not.toThrow();
  });

  test('deploy order: the conductor first, then the regions in the plan order (least busy first)', () => {
    expect(plan.waves).toEqual([['ap-southeast-2'], ['eu-west-1'], ['us-east-1']]);
    const assembly = app.synth();
    const deps = (name: string) => assembly.getStackByName(name).dependencies.map((d) => d.id).filter((id) => id.startsWith('Production') && !id.endsWith('.assets')).sort();
    expect(deps('ProductionConductor')).toEqual([]);
    expect(deps('Production-ap-southeast-2')).toEqual(['ProductionConductor']);
    expect(deps('Production-eu-west-1')).toEqual(['Production-ap-southeast-2', 'ProductionConductor']);
    expect(deps('Production-us-east-1')).toEqual(['Production-eu-west-1', 'ProductionConductor']);
  });

  test('exactly one nightly trigger for the fleet: the conductor\'s', () => {
    const assembly = app.synth();
    const schedules = assembly.stacks.flatMap((s) => Object.values(s.template.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::Scheduler::Schedule').map(() => s.stackName));
    expect(schedules).toEqual(['ProductionConductor']);
  });
});
