import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { RegionConfig, applyRolloutOrder, planRegions } from '../../lib/environments/multi-region';
import { EXAMPLE_PRODUCTION } from '../../lib/environments/examples';
import { ProductionStack } from '../../lib/environments/production';
import { CleanSlate, ConductedRegion, FleetConductor, RegionalEndpoint } from '../../lib/rollout';
import { unitTestApp } from '../support/app';

/** The snippet handed to the lead for bin/environments.ts, compiled and checked here so it cannot rot. */
describe('ProductionStack in several regions, following the plan', () => {
  test('one stack per region with a driven clean slate and a latency endpoint, one conductor; deploy order follows the plan', () => {
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
    const stacks: Record<string, ProductionStack> = {};
    const conducted: ConductedRegion[] = [];
    for (const r of PRODUCTION_REGIONS) {
      const stack = new ProductionStack(app, `Production-${r.name}`, {
        env: { account: process.env.CDK_DEFAULT_ACCOUNT ?? '111111111111', region: r.name },
        config: EXAMPLE_PRODUCTION,
        description: `cdk-container-fleet example: production in ${r.name}`,
      });
      const cleanSlate = new CleanSlate(stack, 'CleanSlate', { cluster: stack.cluster, nightly: false, timeout: Duration.minutes(120) });
      const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'PublicZone', { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
      const endpoint = new RegionalEndpoint(stack, 'Endpoint', { zone, recordName: 'app.example.com', loadBalancer: stack.loadBalancer.loadBalancer, healthCheckPath: '/' });
      stacks[r.name] = stack;
      conducted.push({ cleanSlate, endpoint });
    }
    applyRolloutOrder(plan, stacks);
    const home = new Stack(app, 'ProductionConductor', { env: { account: process.env.CDK_DEFAULT_ACCOUNT ?? '111111111111', region: 'eu-west-1' } });
    new FleetConductor(home, 'Conductor', { fleetName: 'production', regions: conducted, latencyMs: { 'eu-west-1': { 'us-east-1': 70, 'ap-southeast-2': 280 }, 'us-east-1': { 'ap-southeast-2': 200 } } });
    // --- snippet end ---

    expect(plan.waves).toEqual([['ap-southeast-2'], ['eu-west-1'], ['us-east-1']]);
    expect(stacks['us-east-1'].dependencies.map((s) => s.stackName).sort()).toEqual(['Production-eu-west-1', 'ProductionConductor']);
    expect(stacks['eu-west-1'].dependencies.map((s) => s.stackName).sort()).toEqual(['Production-ap-southeast-2', 'ProductionConductor']);
    const t = Template.fromStack(stacks['eu-west-1']);
    t.resourceCountIs('AWS::Scheduler::Schedule', 0);
    Template.fromStack(home).resourceCountIs('AWS::Scheduler::Schedule', 1);
    t.hasResourceProperties('AWS::Route53::RecordSet', { Region: 'eu-west-1', SetIdentifier: 'eu-west-1', HealthCheckId: Match.anyValue() });
  });
});
