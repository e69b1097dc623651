/**
 * The consumer test's app (copied into a throwaway CDK app by .ci/consumer-test.sh, where `cdk-container-fleet` is
 * the packed tarball): every headline construct, imported from the package's public entry point only, in stacks
 * with a region (what needs one) and environment-agnostic stacks (what must not), with the preflight checks added
 * as a user adds them (the validation plugin API is one the peer range's minimum must have).
 */
import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import { App, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import {
  AsgDnsRecord, CleanSlate, ComposeProject, FileSecret, FleetCluster, FleetLoadBalancer, FleetPreflightChecks, FleetService, QaStack,
  RolloutPlanner, SwarmCluster, SwarmNodeGroup, planRollout,
} from 'cdk-container-fleet';

const REGION = { account: '123456789012', region: 'eu-west-1' };

/** The README's headline layout: cluster, two routed services, DNS following the instances, a nightly clean slate. */
class FleetStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const cluster = new FleetCluster(this, 'Cluster');
    const lb = new FleetLoadBalancer(this, 'LoadBalancer', { vpc: cluster.vpc });
    const boot = new FleetService(this, 'boot', {
      cluster, image: 'laszlocph/spring-boot-dummy:exposed', cpu: 300, memoryLimitMiB: 300, containerPort: 8080,
    });
    lb.route(boot, { path: '/*' });
    lb.route(new FleetService(this, 'api', { cluster, image: 'nginx:1.27', containerPort: 80 }), { path: '/api/*' });
    lb.route(new FleetService(this, 'login', { cluster, image: 'nginx:1.27', containerPort: 80 }), { host: 'login.example.com' });
    const hostedZone = new route53.PublicHostedZone(this, 'Zone', { zoneName: 'example.com' });
    new AsgDnsRecord(this, 'Dns', { autoScalingGroup: cluster.autoScalingGroup, hostedZone, recordName: 'instances.example.com' });
    new CleanSlate(this, 'CleanSlate', { cluster });
  }
}

/** A construct in an existing stack with its own VPC. */
class OwnVpcStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2 });
    const cluster = new FleetCluster(this, 'Cluster', { vpc });
    new FleetService(this, 'worker', { cluster, image: 'my/worker:1.4' });
  }
}

class SwarmStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const swarm = new SwarmCluster(this, 'Swarm', { vpc });
    new SwarmNodeGroup(this, 'Frontend', { cluster: swarm, role: 'frontend', environment: 'staging' });
  }
}

class ComposeStack extends Stack {
  constructor(scope: Construct, id: string, composeFile: string, props?: StackProps) {
    super(scope, id, props);
    const cluster = new FleetCluster(this, 'Cluster', { natGateways: 0, minCapacity: 1, maxCapacity: 2 });
    const loadBalancer = new FleetLoadBalancer(this, 'Lb', { vpc: cluster.vpc });
    new ComposeProject(this, 'Compose', { composeFile, cluster, loadBalancer, domain: 'qa.example.internal' });
  }
}

/** A secret file sealed at synth: the package must ship the writer's bundle, and the value must stay out of the assembly. */
class SecretStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const publicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    fs.writeFileSync('db_password.txt', SECRET_VALUE);
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/0f3c7c4e-8d1a-4b6e-9a51-2f8d3c1b7e90';
    const secret = new FileSecret(this, 'DbPassword', { file: 'db_password.txt', sealingKey: { keyArn, publicKey } });
    const cluster = new FleetCluster(this, 'Cluster', { natGateways: 0, minCapacity: 1, maxCapacity: 1 });
    new FleetService(this, 'db', {
      cluster, image: 'mariadb:11',
      secrets: { MARIADB_ROOT_PASSWORD: secret.ecsSecret() },
    });
  }
}
const SECRET_VALUE = 'consumer-test-secret-3f9a1c';

const outdir = process.env.CONSUMER_OUTDIR ?? 'cdk.out';
const app = new App({ outdir });
Validations.of(app).addPlugins(new FleetPreflightChecks());
// Every other preflight rule runs; this one would flag the documentation account id and CIDR the stacks use.
Validations.of(app).acknowledge({
  id: 'Preflight-PlaceholderIds',
  reason: 'the consumer test synthesizes with a documentation account id and CIDR, and never deploys',
});
const failures: string[] = [];
function build(name: string, make: () => void): void {
  try {
    make();
  } catch (e) {
    failures.push(`${name}: ${(e as Error).message}`);
  }
}

const composeFile = 'docker-compose.yml'; // copied into the app folder by the consumer test, as the README's example does
build('Fleet (eu-west-1)', () => new FleetStack(app, 'Fleet', { env: REGION }));
build('OwnVpc (env-agnostic)', () => new OwnVpcStack(app, 'OwnVpc'));
build('Swarm (eu-west-1)', () => new SwarmStack(app, 'Swarm', { env: REGION }));
build('Compose (eu-west-1)', () => new ComposeStack(app, 'Compose', composeFile, { env: REGION }));
// QaStack without composeFile: the package's own default compose file must be inside the package.
build('Qa (eu-west-1, default compose file)', () => new QaStack(app, 'Qa', { env: REGION, allowedCidrs: ['203.0.113.0/24'], domain: 'qa.example.internal' }));
build('FileSecret (eu-west-1)', () => new SecretStack(app, 'Secret', { env: REGION }));
build('planRollout', () => {
  const plan = planRollout({ regions: [{ name: 'eu-west-1', load: 300 }, { name: 'us-east-1', load: 900 }] });
  if (plan.steps.length !== 2) throw new Error(`expected 2 steps, got ${plan.steps.length}`);
});
build('RolloutPlanner.plan (the jsii entry point)', () => {
  const plan = RolloutPlanner.plan({ regions: [{ name: 'eu-west-1', load: 300 }, { name: 'us-east-1', load: 900 }] });
  if (String(plan.strategy) !== 'least-busy') throw new Error(`expected the least-busy strategy, got ${plan.strategy}`);
});

if (failures.length === 0) {
  app.synth();
  const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
  const leaked = files(outdir).filter((f) => fs.readFileSync(f, 'latin1').includes(SECRET_VALUE));
  if (leaked.length) failures.push(`FileSecret: the secret value is in clear text in ${leaked.join(', ')}`);
}
const stacks = fs.existsSync(outdir) ? fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')) : [];
for (const f of failures) console.error(`FAILED ${f}`);
console.log(`headline: ${stacks.length} templates synthesized, ${failures.length} failures`);
process.exit(failures.length ? 1 : 0);
