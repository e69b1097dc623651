import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EXAMPLE_PRODUCTION } from '../lib/environments/examples';
import { applyRolloutOrder, planRegions, RegionConfig, regionStackId } from '../lib/environments/multi-region';
import { ProductionStack } from '../lib/environments/production';
import { qaStackName, QaStack } from '../lib/environments/qa';
import { SwarmEnvironmentStack } from '../lib/environments/swarm-environment';
import { CleanSlate, ConductedRegion, FleetConductor, RegionalEndpoint } from '../lib/rollout';

/** Home region of the example environments (fixed, so synth needs no AWS account or lookups). */
export const DEFAULT_REGION = 'eu-west-1';

/**
 * Production regions with their load (requests/s) and the latencies between them (ms). The home region keeps the
 * stack id `Production`, so `cdk deploy Production` deploys one environment; `cdk deploy --all` rolls out every
 * region in the planner's order (least busy first, each while its nearest peer stays up).
 */
export const PRODUCTION_REGIONS: RegionConfig[] = [
  { name: DEFAULT_REGION, load: 300, stackId: 'Production' },
  { name: 'us-east-1', load: 900 },
  { name: 'ap-southeast-2', load: 100 },
];
const PRODUCTION_LATENCY_MS = { 'eu-west-1': { 'us-east-1': 70, 'ap-southeast-2': 280 }, 'us-east-1': { 'ap-southeast-2': 200 } };

/** The example's public zone, given by id: no lookup. */
const PUBLIC_ZONE = { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' };

/**
 * Builds every environment of the example app into `app`, with cdk-nag (AwsSolutions) checks on.
 * Shared by bin/app.ts and the tests, so what is tested is what `cdk synth` produces.
 *
 * Context: `-c branch=<name>` gives a branch its own QA stack (`Qa-<name>`); `-c composeFile=<path>` runs another
 * compose file in QA; `-c allowedCidrs=<cidr,...>` the office ranges; `-c qaDomain=<name>` QA's private domain.
 */
export function buildApp(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const account = process.env.CDK_DEFAULT_ACCOUNT;

  // Production, one stack per region, rolled out in the planner's order; cleaned nightly by one conductor.
  const plan = planRegions(PRODUCTION_REGIONS, { latencyMs: PRODUCTION_LATENCY_MS });
  const production: Record<string, ProductionStack> = {};
  const conducted: ConductedRegion[] = [];
  for (const region of PRODUCTION_REGIONS) {
    const stack = new ProductionStack(app, regionStackId(PRODUCTION_REGIONS, region.name), {
      env: { account, region: region.name },
      config: EXAMPLE_PRODUCTION,
      description: `cdk-container-fleet example: production in ${region.name}`,
    });
    // Driven by the conductor below: no schedule of its own.
    const cleanSlate = new CleanSlate(stack, 'CleanSlate', { cluster: stack.cluster, nightly: false, timeout: Duration.minutes(120) });
    // Latency record with a health check: the conductor withdraws a region by inverting it.
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'PublicZone', PUBLIC_ZONE);
    const endpoint = new RegionalEndpoint(stack, 'Endpoint', { zone, recordName: `app.${PUBLIC_ZONE.zoneName}`, loadBalancer: stack.loadBalancer.loadBalancer, healthCheckPath: '/' });
    production[region.name] = stack;
    conducted.push({ cleanSlate, endpoint });
  }
  applyRolloutOrder(plan, production);
  // The fleet's one nightly trigger, in the home region, in its own stack: deployed before the regions (they grant
  // its role their health checks), so `cdk deploy --all` runs it first, then the regions in the plan's order.
  const conductorStack = new Stack(app, 'ProductionConductor', {
    env: { account, region: DEFAULT_REGION },
    description: 'cdk-container-fleet example: the production fleet\'s nightly conductor (region by region clean slate)',
  });
  new FleetConductor(conductorStack, 'Conductor', { fleetName: 'production', regions: conducted, latencyMs: PRODUCTION_LATENCY_MS });

  // QA from the embedded compose file, or one branch's environment with -c branch=<name>.
  const context = (key: string): string | undefined => app.node.tryGetContext(key);
  const branch = context('branch');
  const composeFile = context('composeFile');
  const qa = new QaStack(app, qaStackName(branch), {
    env: { account, region: DEFAULT_REGION },
    branch,
    composeFile,
    allowedCidrs: (context('allowedCidrs') ?? '203.0.113.0/24').split(',').map((c) => c.trim()),
    domain: context('qaDomain') ?? 'qa.example.internal',
    description: `cdk-container-fleet example: QA${branch ? ` of branch ${branch}` : ''}`,
  });
  if (composeFile === undefined) {
    for (const key of ['container_name', 'domainname', 'volumes']) {
      Validations.of(qa.project).acknowledge({
        id: `@cdk-container-fleet/compose:${key}`,
        reason: 'the embedded seed-style example keeps container_name, domainname and bind-mounted log folders as teams write them locally; ECS ignores or maps them as the warnings say',
      });
    }
  }

  // Docker Swarm: three managers and two differently tagged worker groups.
  new SwarmEnvironmentStack(app, 'Swarm', {
    env: { account, region: DEFAULT_REGION },
    description: 'cdk-container-fleet example: Docker Swarm (3 managers, frontend and services workers)',
  });
}
