import * as fs from 'fs';
import { App, DefaultStackSynthesizer, Duration, PermissionsBoundary, Stack, Validations } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { EXAMPLE_PRODUCTION } from '../examples/production/config';
import { applyRolloutOrder, planRegions, RegionConfig, regionStackId } from '../lib/environments/multi-region';
import { ProductionStack } from '../lib/environments/production';
import { Route53HealthCheckerAccess } from '../lib/environments/health-checkers';
import { isBlankBranch, qaStackName, QaStack } from '../lib/environments/qa';
import { FleetConfigurationError } from '../lib/errors';
import { encryptedAlarmTopic } from '../lib/observability/alarms';
import { WeekDays } from '../lib/scaling';
import { SwarmEnvironmentStack } from '../examples/swarm/swarm-environment';
import { CleanSlate, ConductedRegion, FleetConductor, RegionalEndpoint } from '../lib/rollout';
import { FleetPreflightChecks } from '../lib/preflight';
import { SecretSealingKey } from '../lib/secrets';

/** Home region of the example environments (fixed, so synth needs no AWS account or lookups). */
export const DEFAULT_REGION = 'eu-west-1';

/**
 * Production regions with their load (requests/s) and the latencies between them (ms). The home region keeps the
 * stack id `Production` (`cdk deploy --exclusively Production` deploys that region alone; without the flag the CLI also
 * deploys the stacks it depends on: the conductor and ap-southeast-2); `cdk deploy --all` rolls out every
 * region in the planner's order (least busy first, each while its nearest peer stays up).
 */
export const PRODUCTION_REGIONS: RegionConfig[] = [
  { name: DEFAULT_REGION, load: 300, stackId: 'Production' },
  { name: 'us-east-1', load: 900 },
  { name: 'ap-southeast-2', load: 100 },
];
const PRODUCTION_LATENCY_MS = { 'eu-west-1': { 'us-east-1': 70, 'ap-southeast-2': 280 }, 'us-east-1': { 'ap-southeast-2': 200 } };

/**
 * What the example deploys with, from context (`-c key=value`). Nothing has a placeholder default: without a key its
 * feature is off, so `cdk deploy` of a fresh clone works on a fresh account (see docs/deploying.md).
 */
export interface ExampleSettings {
  /** `-c domain=example.com -c hostedZoneId=Z…`: the public zone of production's latency record `app.<domain>`. */
  readonly publicZone?: { readonly zoneName: string; readonly hostedZoneId: string };
  /** `-c certificateArn.<region>=arn:aws:acm:<region>:…`: one ACM certificate per production region (HTTPS). */
  readonly certificateArns: Record<string, string>;
  /** `-c productionAllowedCidrs=<cidr,…>`: production's client ranges (default: anywhere). */
  readonly productionAllowedCidrs?: string[];
  /** `-c allowedCidrs=<cidr,…>`: QA's office ranges (default: an internal QA load balancer). */
  readonly qaAllowedCidrs?: string[];
  /**
   * `-c sealingKeyArn=<KMS key ARN> -c sealingPublicKey=<its public key, or a file holding it>`: QA uploads the compose
   * file's file secrets sealed with that key (default: generated values). Sealed for environment `Qa`, so every branch
   * stack deploys the seals made once by `cdk synth Qa`, and none opens a value sealed for another environment.
   */
  readonly qaSealing?: SecretSealingKey;
  /**
   * `-c qaQualifier=<qualifier>`: QA deploys through the bootstrap stack of that qualifier (`cdk bootstrap --qualifier`),
   * whose roles can be kept from production (docs/security.md). Default: the account's default bootstrap stack.
   */
  readonly qaQualifier?: string;
  /**
   * `-c qaPermissionsBoundary=<policy name>`: every IAM role the QA stack creates carries that managed policy as its
   * permissions boundary, as the boundary policy of a QA bootstrap requires (docs/security.md). Default: none.
   */
  readonly qaPermissionsBoundary?: string;
}

/** An error in the app's context (`-c key=value`): `context: <problem>. Fix: <fix>.` */
function contextError(problem: string, fix: string): FleetConfigurationError {
  return new FleetConfigurationError('', `context: ${problem}. Fix: ${fix}.`);
}

/** Reads and checks the example's context keys; every error names the key to fix. */
export function exampleSettings(app: App, regions: readonly string[]): ExampleSettings {
  const context = (key: string): string | undefined => {
    const value = app.node.tryGetContext(key);
    return value === undefined || value === null || String(value).trim() === '' ? undefined : String(value).trim();
  };
  const list = (key: string): string[] | undefined => context(key)?.split(',').map((c) => c.trim()).filter((c) => c !== '');
  const domain = context('domain')?.toLowerCase().replace(/\.$/, '');
  const hostedZoneId = context('hostedZoneId');
  if ((domain === undefined) !== (hostedZoneId === undefined)) {
    throw contextError(`only ${domain ? 'domain' : 'hostedZoneId'} is set`, 'give both -c domain=<zone name> and -c hostedZoneId=<its id> (Route 53 console, Hosted zones), or neither for no DNS');
  }
  if (hostedZoneId !== undefined && !/^Z[A-Z0-9]{1,31}$/.test(hostedZoneId)) {
    throw contextError(`hostedZoneId '${hostedZoneId}' is not a Route 53 hosted zone id`, 'give the id of your public zone, e.g. -c hostedZoneId=Z1D633PJN98FT9 (without /hostedzone/)');
  }
  const certificateArns: Record<string, string> = {};
  for (const region of regions) {
    const arn = context(`certificateArn.${region}`);
    if (arn === undefined) continue;
    const arnRegion = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[A-Za-z0-9-]+$/.exec(arn)?.[1];
    if (arnRegion === undefined) {
      throw contextError(`certificateArn.${region} '${arn}' is not an ACM certificate ARN`, `give arn:aws:acm:${region}:<account>:certificate/<id>`);
    }
    if (arnRegion !== region) {
      // ACM certificates are regional: a listener only accepts a certificate from its own region.
      throw contextError(`certificateArn.${region} is a certificate of ${arnRegion}`, `request or import the certificate in ${region} and give that ARN (ACM certificates are regional)`);
    }
    certificateArns[region] = arn;
  }
  for (const key of Object.keys(app.node.getAllContext()).filter((k) => k.startsWith('certificateArn.'))) {
    const region = key.slice('certificateArn.'.length);
    if (!regions.includes(region)) throw contextError(`${key} names a region without production`, `use one of ${regions.join(', ')}`);
  }
  return {
    publicZone: domain && hostedZoneId ? { zoneName: domain, hostedZoneId } : undefined,
    certificateArns,
    productionAllowedCidrs: list('productionAllowedCidrs'),
    qaAllowedCidrs: list('allowedCidrs'),
    qaSealing: sealingSettings(context('sealingKeyArn'), context('sealingPublicKey')),
    qaQualifier: qaQualifier(context('qaQualifier')),
    qaPermissionsBoundary: qaPermissionsBoundary(context('qaPermissionsBoundary')),
  };
}

/**
 * A bootstrap qualifier: the bootstrap template allows `[A-Za-z0-9_-]{1,10}`, and it becomes part of the asset bucket's
 * name (`cdk-<qualifier>-assets-<account>-<region>`), which S3 allows in lower case only.
 */
function qaQualifier(qualifier: string | undefined): string | undefined {
  if (qualifier !== undefined && !/^[a-z0-9-]{1,10}$/.test(qualifier)) {
    throw contextError(`qaQualifier '${qualifier}' is not a bootstrap qualifier`,
      'give the 1 to 10 lower-case letters, digits or - that `cdk bootstrap --qualifier` was given, e.g. -c qaQualifier=qa');
  }
  return qualifier;
}

/** A customer managed policy's name (IAM: letters, digits and `+=,.@_-`, at most 128). */
function qaPermissionsBoundary(name: string | undefined): string | undefined {
  if (name !== undefined && !/^[\w+=,.@-]{1,128}$/.test(name)) {
    throw contextError(`qaPermissionsBoundary '${name}' is not an IAM policy name`,
      'give the name (not the ARN) of the managed policy passed to `cdk bootstrap --custom-permissions-boundary`');
  }
  return name;
}

/** The sealing key of QA's file secrets: both keys or neither; the public key may be given as a file. */
function sealingSettings(keyArn: string | undefined, publicKey: string | undefined): ExampleSettings['qaSealing'] {
  if (keyArn === undefined && publicKey === undefined) return undefined;
  if (keyArn === undefined || publicKey === undefined) {
    throw contextError(`only ${keyArn ? 'sealingKeyArn' : 'sealingPublicKey'} is set`,
      'give both -c sealingKeyArn=<arn of an RSA_4096 ENCRYPT_DECRYPT KMS key> and -c sealingPublicKey=<file with `aws kms get-public-key --query PublicKey --output text`>, or neither (docs/secrets.md)');
  }
  if (!/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(keyArn)) {
    throw contextError(`sealingKeyArn '${keyArn}' is not a KMS key ARN`, 'give arn:aws:kms:<region>:<account>:key/<key id> (not an alias)');
  }
  // One environment for every QA branch: seals made once (by `cdk synth Qa`) serve them all, and a value sealed for
  // another environment, production included, is refused even if that environment shares the key.
  const environment = 'Qa';
  if (fs.existsSync(publicKey) && fs.statSync(publicKey).isFile()) return { keyArn, publicKey: fs.readFileSync(publicKey, 'utf8'), environment };
  // Not a file: the key itself (PEM, or the base64 DER that get-public-key prints, several hundred characters).
  if (!publicKey.trim().startsWith('-----BEGIN') && !/^[A-Za-z0-9+/=\s]{200,}$/.test(publicKey)) {
    throw contextError(`sealingPublicKey '${publicKey}' is neither a file nor a public key`, 'give the path of the file that `aws kms get-public-key --query PublicKey --output text` wrote, or its content');
  }
  return { keyArn, publicKey, environment };
}

/**
 * Per-region DNS of one production region: for every route of `stack` whose host is an exact name in `zone`, a
 * latency record with the region as set identifier (every region's stack creates one under the same name; a simple
 * record would exist once per zone and fail the second region). Target health is evaluated, so a region whose
 * load balancer has no healthy target drops out of the answer.
 */
export function regionalHostRecords(stack: ProductionStack, zone: route53.IHostedZone, region: string): route53.ARecord[] {
  const zoneName = zone.zoneName.toLowerCase().replace(/\.$/, '');
  const seen = new Set<string>();
  const records: route53.ARecord[] = [];
  for (const route of stack.loadBalancer.routes) {
    const host = route.host?.toLowerCase();
    if (!host || /[*?]/.test(host) || !(host === zoneName || host.endsWith(`.${zoneName}`)) || seen.has(host)) continue;
    seen.add(host);
    records.push(new route53.ARecord(route.service, `Latency-${host}`, {
      zone,
      recordName: `${host}.`,
      region,
      setIdentifier: region,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(route.loadBalancer, { evaluateTargetHealth: true })),
    }));
  }
  return records;
}

/**
 * Builds every environment of the example app into `app`, with cdk-nag (AwsSolutions) and the library's preflight
 * checks (deploy-time failures schema validation cannot see, docs/preflight.md) on.
 * Shared by bin/app.ts and the tests, so what is tested is what `cdk synth` produces.
 *
 * Context (all optional; see docs/deploying.md): `-c domain=<zone> -c hostedZoneId=<id>` production's public DNS;
 * `-c certificateArn.<region>=<arn>` HTTPS per region; `-c productionAllowedCidrs=<cidr,...>` production's client
 * ranges; `-c allowedCidrs=<cidr,...>` QA's office ranges; `-c branch=<name>` gives a branch its own QA stack;
 * `-c composeFile=<path>` runs another compose file in QA; `-c qaDomain=<name>` QA's private domain;
 * `-c sealingKeyArn=<arn> -c sealingPublicKey=<file>` uploads QA's file secrets sealed (docs/secrets.md);
 * `-c qaQualifier=<qualifier> -c qaPermissionsBoundary=<policy>` deploys QA through its own bootstrap (docs/security.md).
 */
export function buildApp(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new FleetPreflightChecks());
  // No account in the stacks' environments: it comes from the credentials at deploy time. With one (the CLI sets
  // CDK_DEFAULT_ACCOUNT whenever credentials are present) every VPC would look up the account's availability zones,
  // so synthesis would differ per account and need credentials; account-agnostic, the VPCs take the region's first two
  // zones at deploy time (Fn::GetAZs) and `cdk synth` is the same everywhere (test/app/no-lookups.test.ts).
  const settings = exampleSettings(app, PRODUCTION_REGIONS.map((r) => r.name));
  if (EXAMPLE_PRODUCTION.domain !== undefined && PRODUCTION_REGIONS.length > 1) {
    throw contextError('the shared production config has a domain, so every region would create the same simple records', 'leave domain out of the config and give -c domain / -c hostedZoneId: each region then creates latency records');
  }
  if (EXAMPLE_PRODUCTION.certificateArn !== undefined && PRODUCTION_REGIONS.length > 1) {
    throw contextError('the shared production config has one certificateArn for every region, but ACM certificates are regional', 'leave certificateArn out of the config and give -c certificateArn.<region>=<arn> per region');
  }

  // Production, one stack per region, rolled out in the planner's order; cleaned nightly by one conductor.
  const plan = planRegions(PRODUCTION_REGIONS, { latencyMs: PRODUCTION_LATENCY_MS });
  const production: Record<string, ProductionStack> = {};
  const conducted: ConductedRegion[] = [];
  for (const region of PRODUCTION_REGIONS) {
    const certificateArn = settings.certificateArns[region.name];
    const allowedCidrs = settings.productionAllowedCidrs ?? EXAMPLE_PRODUCTION.allowedCidrs;
    const stack = new ProductionStack(app, regionStackId(PRODUCTION_REGIONS, region.name), {
      env: { region: region.name },
      // Per region: ACM certificates are regional, so each region gets its own certificate (or none).
      config: { ...EXAMPLE_PRODUCTION, certificateArn, allowedCidrs },
      description: `cdk-container-fleet example: production in ${region.name}`,
    });
    // Driven by the conductor below: no schedule of its own.
    const cleanSlate = new CleanSlate(stack, 'CleanSlate', { cluster: stack.cluster, nightly: false, timeout: Duration.minutes(120), alarmTopic: stack.cluster.alarmTopic });
    // Latency record with a health check: the conductor withdraws the region by inverting it. Without a public zone
    // the conductor rebuilds the region in place (nothing to withdraw).
    const publicZone = settings.publicZone;
    let endpoint: RegionalEndpoint | undefined;
    if (publicZone) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'PublicZone', publicZone);
      endpoint = new RegionalEndpoint(stack, 'Endpoint', {
        zone, recordName: `app.${publicZone.zoneName}`, loadBalancer: stack.loadBalancer.loadBalancer, healthCheckPath: '/',
        // With a certificate the HTTP listener only redirects, and Route 53 counts a redirect as healthy.
        healthCheckProtocol: certificateArn ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
      });
      regionalHostRecords(stack, zone, region.name);
      // Office ranges on production would lock out the health checkers: every region unhealthy, Route 53 fails open.
      if (allowedCidrs?.length) {
        new Route53HealthCheckerAccess(stack, 'HealthCheckers', { target: stack.loadBalancer, port: certificateArn ? 443 : 80 });
      }
    }
    production[region.name] = stack;
    conducted.push({ cleanSlate, endpoint, loadBalancer: stack.loadBalancer.loadBalancer });
  }
  applyRolloutOrder(plan, production);
  // The fleet's one nightly trigger, in the home region, in its own stack: deployed before the regions (they grant
  // its role their health checks), so `cdk deploy --all` runs it first, then the regions in the plan's order.
  const conductorStack = new Stack(app, 'ProductionConductor', {
    env: { region: DEFAULT_REGION },
    description: 'cdk-container-fleet example: the production fleet\'s nightly conductor (region by region clean slate)',
  });
  new FleetConductor(conductorStack, 'Conductor', {
    fleetName: 'production', regions: conducted, latencyMs: PRODUCTION_LATENCY_MS,
    // Its own topic: the regions deploy after the conductor, so it cannot use theirs.
    alarmTopic: encryptedAlarmTopic(new Construct(conductorStack, 'Alarms'), 'the production fleet conductor'),
  });

  // QA from the embedded compose file, or one branch's environment with -c branch=<name>.
  const context = (key: string): string | undefined => app.node.tryGetContext(key);
  const branch = context('branch');
  // `-c branch=` with an empty or white-space value (a CI variable that was not set) must not deploy the shared QA stack.
  if (branch !== undefined && isBlankBranch(String(branch))) {
    throw contextError(`branch ${JSON.stringify(branch)} is empty or only white space`, 'give -c branch=<name of the branch>, or leave -c branch out for the shared QA environment');
  }
  const composeFile = context('composeFile');
  const qa = new QaStack(app, qaStackName(branch), {
    env: { region: DEFAULT_REGION },
    branch,
    composeFile,
    // Without office ranges QA's load balancer is internal: deployable and safe, reached through the VPC.
    allowedCidrs: settings.qaAllowedCidrs,
    sealSecretFiles: settings.qaSealing,
    domain: context('qaDomain') ?? 'qa.example.internal',
    description: `cdk-container-fleet example: QA${branch ? ` of branch ${branch}` : ''}`,
    // Nobody tests at night or on weekends: no task and no instance then.
    workingHours: { start: 7, end: 20, weekDays: WeekDays.WEEKDAYS, timeZone: 'Europe/Berlin' },
    // QA's own bootstrap roles, kept from production (docs/security.md); production keeps the default bootstrap.
    synthesizer: settings.qaQualifier ? new DefaultStackSynthesizer({ qualifier: settings.qaQualifier }) : undefined,
    permissionsBoundary: settings.qaPermissionsBoundary ? PermissionsBoundary.fromName(settings.qaPermissionsBoundary) : undefined,
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
    env: { region: DEFAULT_REGION },
    description: 'cdk-container-fleet example: Docker Swarm (3 managers, frontend and services workers)',
  });
}
