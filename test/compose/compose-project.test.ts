import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, NestedStack, Stack, SymlinkFollowMode } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { ComposeProject, ComposeProjectProps, SECRETS_INIT_IMAGE } from '../../lib/compose/compose-project';
import { NamedVolumeStorage } from '../../lib/compose/plan';
import { MAX_COMPOSE_FILE_BYTES, MAX_ENV_FILE_BYTES } from '../../lib/compose/limits';
import { ComposeSecurityPolicy } from '../../lib/compose/security-policy';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { testStack } from '../support/fixtures';
import { testSealingKey } from '../secrets/keys';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-project-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function project(yaml: string, props: Partial<ComposeProjectProps> = {}, files: Record<string, string> = {}): { stack: Stack; project: ComposeProject; template: () => Template } {
  for (const [name, content] of Object.entries({ 'compose.yaml': yaml, ...files })) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
  const loadBalancer = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc, allowedCidrs: ['203.0.113.0/24'] });
  const p = new ComposeProject(stack, 'Compose', { composeFile: path.join(dir, 'compose.yaml'), cluster, loadBalancer, ...props });
  return { stack, project: p, template: () => Template.fromStack(stack) };
}

/** Every file of the synthesized cloud assembly (asset folders included), as one text. */
function assemblyText(stack: Stack): string {
  const read = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? read(path.join(d, e.name)) : [fs.readFileSync(path.join(d, e.name)).toString('latin1')]));
  return read((stack.node.root as App).synth().directory).join('\n');
}

const containerOf = (template: Template, name: string) => {
  const defs = Object.values(template.findResources('AWS::ECS::TaskDefinition')).flatMap((r: any) => r.Properties.ContainerDefinitions);
  return defs.find((c: any) => c.Name === name);
};

describe('ComposeProject', () => {
  test('one FleetService per compose service, exposed by compose name, in one Service Connect namespace', () => {
    const { project: p, template } = project('services:\n  web:\n    image: nginx\n    ports: ["80"]\n  db:\n    image: postgres\n    expose: [5432]\n');
    expect(Object.keys(p.services)).toEqual(['web', 'db']);
    const t = template();
    t.resourceCountIs('AWS::ECS::Service', 2);
    t.resourceCountIs('AWS::ServiceDiscovery::HttpNamespace', 1);
    t.hasResourceProperties('AWS::ECS::Service', {
      ServiceConnectConfiguration: {
        Enabled: true,
        Namespace: { 'Fn::GetAtt': [Match.stringLikeRegexp('ComposeNamespace'), 'Arn'] },
        Services: [{ PortName: 'p5432', DiscoveryName: 'db-5432', ClientAliases: [{ DnsName: 'db', Port: 5432 }] }],
      },
    });
    expect(containerOf(t, 'db').PortMappings).toEqual([{ ContainerPort: 5432, HostPort: 0, Name: 'p5432', Protocol: 'tcp' }]);
  });

  test('a service with DOMAIN is routed by host on the load balancer and gets a record in the zone', () => {
    const route53 = jest.requireActual('aws-cdk-lib/aws-route53');
    const yaml = 'services:\n  login:\n    image: nginx\n    environment: [DOMAIN=login]\n    ports: ["8081:80"]\n';
    for (const name of Object.entries({ 'compose.yaml': yaml })) fs.writeFileSync(path.join(dir, name[0]), name[1]);
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
    const loadBalancer = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc, allowedCidrs: ['203.0.113.0/24'] });
    const zone = new route53.PrivateHostedZone(stack, 'Zone', { zoneName: 'qa.example.internal', vpc: cluster.vpc });
    const p = new ComposeProject(stack, 'Compose', { composeFile: path.join(dir, 'compose.yaml'), cluster, loadBalancer, domain: 'qa.example.internal', zone });
    expect(p.routes.login.map((r) => r.host)).toEqual(['login.qa.example.internal']);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['login.qa.example.internal'] } }],
    });
    t.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'login.qa.example.internal.', Type: 'A', HostedZoneId: { Ref: Match.stringLikeRegexp('Zone') } });
    // The routed port keeps its dynamic host port and carries the Service Connect name.
    expect(containerOf(t, 'login').PortMappings).toEqual([{ ContainerPort: 80, HostPort: 0, Name: 'p80', Protocol: 'tcp' }]);
  });

  test('a routed service without a loadBalancer is an error naming the construct', () => {
    fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  login:\n    image: nginx\n    environment: [DOMAIN=login]\n    expose: [80]\n');
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
    expect(() => new ComposeProject(stack, 'Compose', { composeFile: path.join(dir, 'compose.yaml'), cluster, domain: 'e.com' }))
      .toThrow(/Test\/Compose: service 'login' is routed .* but the project has no loadBalancer/);
  });

  test('a schema violation is a synth-time error with construct path, file, line and column, and the fix', () => {
    expect(() => project('services:\n  web:\n    image: nginx\n    restart: always\n    prots: [80]\n'))
      .toThrow(/^Test\/Compose: .*compose\.yaml:5:5: service 'web': 'prots' is not a service key of the Compose Specification\. Fix: remove or rename 'prots'/);
  });

  test('a missing compose file is an error', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
    expect(() => new ComposeProject(stack, 'Compose', { composeFile: '/nope/compose.yaml', cluster })).toThrow(/compose file '\/nope\/compose.yaml' cannot be read/);
  });

  test('warnings are annotations @cdk-container-fleet/compose:<key> on the service, naming file, service and key', () => {
    const { stack } = project('services:\n  web:\n    image: nginx\n    container_name: w\n');
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Test/Compose/web', Match.stringLikeRegexp('compose\\.yaml: service web: container_name: ignored'));
    const warnings = annotations.findWarning('*', Match.stringLikeRegexp('container_name'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0].entry.data)).toContain('@cdk-container-fleet/compose:container_name');
  });

  test('variables and the .env file beside the compose file interpolate; variables win', () => {
    const { template } = project('services:\n  web:\n    image: "nginx:${TAG}"\n    environment:\n      MODE: ${MODE:-dev}\n', { variables: { MODE: 'qa' } }, { '.env': 'TAG=1.27\nMODE=from-dotenv\n' });
    expect(containerOf(template(), 'web')).toMatchObject({ Image: 'nginx:1.27', Environment: [{ Name: 'MODE', Value: 'qa' }] });
  });

  test('build becomes a Docker image asset; images replaces it with a prebuilt image', () => {
    const yaml = 'services:\n  api:\n    build: ./api\n  web:\n    build: ./web\n';
    const { stack, template } = project(yaml, { images: { web: 'registry.example.com/web:1' } }, { 'api/Dockerfile': 'FROM scratch\n', 'web/Dockerfile': 'FROM scratch\n' });
    expect(containerOf(template(), 'web').Image).toBe('registry.example.com/web:1');
    expect(JSON.stringify(containerOf(template(), 'api').Image)).toContain('cdk-hnb659fds-container-assets');
    expect(stack.node.findAll().filter((c) => c instanceof DockerImageAsset)).toHaveLength(1);
    expect(() => project(yaml, { images: { nope: 'x' } }, { 'api/Dockerfile': 'FROM scratch\n', 'web/Dockerfile': 'FROM scratch\n' })).toThrow(/images names 'nope'/);
  });

  test('depends_on: the ECS service is created after the services it depends on', () => {
    const { template } = project('services:\n  web:\n    image: nginx\n    depends_on: [db]\n  db:\n    image: postgres\n');
    const services = template().findResources('AWS::ECS::Service');
    const web = Object.entries(services).find(([id]) => id.startsWith('Composeweb'))![1] as any;
    const dbId = Object.keys(services).find((id) => id.startsWith('Composedb'))!;
    expect(web.DependsOn).toContain(dbId);
  });

  test('secrets: a generated Secrets Manager secret, written to /run/secrets by a one-shot container the service waits for', () => {
    const { template } = project('services:\n  db:\n    image: mariadb\n    secrets: [db-password]\nsecrets:\n  db-password:\n    file: db/password.txt\n');
    const t = template();
    t.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true } });
    const init = containerOf(t, 'secrets-init');
    expect(init).toMatchObject({ Image: SECRETS_INIT_IMAGE, Essential: false, MountPoints: [{ ContainerPath: '/run/secrets', ReadOnly: false, SourceVolume: 'compose-secrets' }] });
    expect(init.Secrets).toEqual([{ Name: 'COMPOSE_SECRET_0', ValueFrom: { Ref: expect.stringMatching(/^ComposeSecretdbpassword/) } }]);
    expect(init.Command[2]).toContain(`printf '%s' "$COMPOSE_SECRET_0" > '/run/secrets/db-password'`);
    const db = containerOf(t, 'db');
    expect(db.DependsOn).toEqual([{ ContainerName: 'secrets-init', Condition: 'SUCCESS' }]);
    expect(db.MountPoints).toEqual([{ ContainerPath: '/run/secrets', ReadOnly: true, SourceVolume: 'compose-secrets' }]);
    // The secret value never appears in the template: only a reference.
    expect(JSON.stringify(t.toJSON())).not.toContain('password.txt');
  });

  test('secrets with sealSecretFiles: the file\'s content, sealed, fills the secret; the task references the written version; no clear text in the assembly', () => {
    const key = testSealingKey();
    const yaml = 'services:\n  db:\n    image: mariadb\n    secrets: [db-password]\n  web:\n    image: nginx\n    secrets: [db-password]\nsecrets:\n  db-password:\n    file: db/password.txt\n';
    const { stack, project: p, template } = project(yaml, {
      sealSecretFiles: { keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/0f3c7c4e-8d1a-4b6e-9a51-2f8d3c1b7e90', publicKey: key.publicKeyPem },
    }, { 'db/password.txt': 'mariadb-root-pw-5e2a' });
    const t = template();
    t.resourceCountIs('Custom::FleetSealedSecret', 1);
    t.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.absent(), Description: Match.stringLikeRegexp('Compose secret db-password of .*password.txt, sealed at synth') });
    for (const service of ['db', 'web']) {
      const secrets = Object.values(t.findResources('AWS::ECS::TaskDefinition'))
        .filter((r: any) => r.Properties.ContainerDefinitions.some((c: any) => c.Name === service))
        .flatMap((r: any) => r.Properties.ContainerDefinitions.find((c: any) => c.Name === 'secrets-init').Secrets);
      // <secret arn>:<json key>:<version stage>:<version id>, both from the write, so the task starts after it and a new value rolls it.
      expect(secrets).toEqual([{
        Name: 'COMPOSE_SECRET_0',
        ValueFrom: { 'Fn::Join': ['', [
          { 'Fn::GetAtt': [expect.stringMatching(/^ComposeSecretdbpasswordWrite/), 'SecretArn'] }, ':::',
          { 'Fn::GetAtt': [expect.stringMatching(/^ComposeSecretdbpasswordWrite/), 'VersionId'] }]] },
      }]);
    }
    expect(fs.existsSync(path.join(dir, 'db', 'password.txt.sealed.json'))).toBe(true);
    expect(p.warnings.filter((w) => w.key === 'secrets')).toEqual([]);
    const assembly = assemblyText(stack);
    expect(assembly).toContain('"wrappedKey"'); // the sealed asset is in the assembly, as ciphertext
    expect(assembly).not.toContain('mariadb-root-pw-5e2a');
    expect(assembly).not.toContain(Buffer.from('mariadb-root-pw-5e2a').toString('base64'));
  });

  test.each([true, false])('a secret file inside a build context is left out of the image asset, so cdk.out never holds it (sealing %s)', (seal) => {
    const yaml = 'services:\n  app:\n    build: .\n    secrets: [api-key]\nsecrets:\n  api-key:\n    file: ./config/api-key.txt\n';
    const { stack, project: p } = project(yaml, seal ? { sealSecretFiles: { keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/0f3c7c4e-8d1a-4b6e-9a51-2f8d3c1b7e90', publicKey: testSealingKey().publicKeyPem } } : {},
      { Dockerfile: 'FROM busybox\nCOPY . /app\n', 'config/api-key.txt': 'sk-live-9f3e1c7a2b', 'app.sh': 'echo hi\n' });
    expect(p.plan.services[0].image).toMatchObject({ kind: 'build', exclude: ['config/api-key.txt', 'config/api-key.txt.sealed.json'] });
    expect(p.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/secret api-key's file .\/config\/api-key.txt is inside the build context and is left out of the image asset/));
    const assembly = assemblyText(stack);
    expect(assembly).toContain('echo hi'); // the rest of the context is there
    expect(assembly).not.toContain('sk-live-9f3e1c7a2b');
  });

  test('configs: an SSM parameter per config, written next to the image\'s own files by a one-shot container of the same image', () => {
    const { template } = project('services:\n  prometheus:\n    image: prom/prometheus\n    user: nobody\n    configs:\n      - source: prom\n        target: /etc/prometheus/prometheus.yml\nconfigs:\n  prom:\n    file: ./prometheus.yml\n',
      {}, { 'prometheus.yml': 'scrape_configs: []\n' });
    const t = template();
    t.hasResourceProperties('AWS::SSM::Parameter', { Type: 'String', Value: 'scrape_configs: []\n', Tier: 'Standard' });
    const init = containerOf(t, 'configs-init');
    expect(init).toMatchObject({ Image: 'prom/prometheus', Essential: false, User: '0', EntryPoint: ['sh', '-c'] });
    expect(init.Command[0].split('\n')).toEqual([
      'set -e',
      "if [ -d '/etc/prometheus' ]; then cp -a '/etc/prometheus/.' /compose-configs/0/; fi",
      `printf '%s' "$COMPOSE_CONFIG_0" > '/compose-configs/0/prometheus.yml'`,
      "chmod 444 '/compose-configs/0/prometheus.yml'",
    ]);
    expect(init.Secrets).toEqual([{ Name: 'COMPOSE_CONFIG_0', ValueFrom: expect.anything() }]);
    const app = containerOf(t, 'prometheus');
    expect(app.MountPoints).toEqual([{ ContainerPath: '/etc/prometheus', ReadOnly: false, SourceVolume: 'compose-configs-0' }]);
    expect(app.DependsOn).toEqual([{ ContainerName: 'configs-init', Condition: 'SUCCESS' }]);
  });

  test('volumes: named → shared Docker volume prefixed by the project, anonymous → task volume, bind → host path', () => {
    const { template } = project('name: shop\nservices:\n  db:\n    image: postgres\n    volumes: [data:/var/lib/postgresql/data, /tmp/cache, ./logs:/logs]\nvolumes:\n  data: {}\n');
    const td = Object.values(template().findResources('AWS::ECS::TaskDefinition'))[0] as any;
    expect(td.Properties.Volumes).toEqual([
      { Name: 'shop_data', DockerVolumeConfiguration: { Autoprovision: true, Driver: 'local', Scope: 'shared' } },
      { Name: 'anonymous-1', DockerVolumeConfiguration: { Driver: 'local', Scope: 'task' } },
      { Name: 'bind-2', Host: { SourcePath: '/opt/compose/shop/logs' } },
    ]);
    expect(td.Properties.ContainerDefinitions[0].MountPoints).toHaveLength(3);
  });

  test("namedVolumes: 'efs' mounts an access point per volume of one encrypted file system, with TLS and IAM, reachable from the instances", () => {
    const { project: p, template } = project('services:\n  db:\n    image: postgres\n    volumes: [data:/var/lib/postgresql/data]\n  backup:\n    image: busybox\n    volumes: [data:/backup:ro]\nvolumes:\n  data: {}\n',
      { namedVolumes: NamedVolumeStorage.EFS });
    // No volume warning: the data is durable. (busybox listens on nothing, which is warned.)
    expect(p.warnings.map((w) => `${w.service}:${w.key}`)).toEqual(['backup:ports']);
    const t = template();
    t.resourceCountIs('AWS::EFS::FileSystem', 1);
    t.resourceCountIs('AWS::EFS::AccessPoint', 1);
    t.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true });
    t.hasResource('AWS::EFS::FileSystem', { DeletionPolicy: 'Retain' });
    t.hasResourceProperties('AWS::EFS::AccessPoint', { RootDirectory: { Path: '/data', CreationInfo: { OwnerUid: '0', OwnerGid: '0', Permissions: '777' } } });
    const td = Object.values(t.findResources('AWS::ECS::TaskDefinition')).map((r: any) => r.Properties);
    for (const props of td) {
      expect(props.Volumes).toEqual([{ Name: 'efs-data', EFSVolumeConfiguration: {
        FilesystemId: { Ref: expect.stringMatching(/^ComposeVolumes/) },
        TransitEncryption: 'ENABLED',
        AuthorizationConfig: { AccessPointId: { Ref: expect.stringMatching(/^ComposeVolumesVolumedata/) }, IAM: 'ENABLED' },
      } }]);
    }
    t.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: [Match.objectLike({ Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientRootAccess', 'elasticfilesystem:ClientWrite'] })] } });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049 });
  });

  test('container settings FleetService has no prop for land on the container definition', () => {
    const { template } = project(`services:
  web:
    image: nginx
    user: "101"
    working_dir: /srv
    hostname: web1
    labels: {team: web}
    ulimits: {nofile: {soft: 1024, hard: 2048}}
    cap_add: [NET_ADMIN]
    cap_drop: [MKNOD]
    sysctls: [net.core.somaxconn=1024]
    extra_hosts: ["db.local:10.0.0.5"]
    stop_grace_period: 45s
    init: true
    privileged: true
    shm_size: 128m
    stdin_open: true
    tty: true
`, { securityPolicy: ComposeSecurityPolicy.TRUSTED });
    expect(containerOf(template(), 'web')).toMatchObject({
      User: '101', WorkingDirectory: '/srv', Hostname: 'web1', DockerLabels: { team: 'web' },
      Ulimits: [{ Name: 'nofile', SoftLimit: 1024, HardLimit: 2048 }],
      LinuxParameters: { Capabilities: { Add: ['NET_ADMIN'], Drop: ['MKNOD'] }, InitProcessEnabled: true, SharedMemorySize: 128 },
      SystemControls: [{ Namespace: 'net.core.somaxconn', Value: '1024' }],
      ExtraHosts: [{ Hostname: 'db.local', IpAddress: '10.0.0.5' }],
      StopTimeout: 45, Privileged: true, Interactive: true, PseudoTerminal: true,
    });
  });

  test('healthcheck and sizes reach the container; replicas the service', () => {
    const { template } = project('services:\n  db:\n    image: postgres\n    healthcheck:\n      test: ["CMD", "pg_isready"]\n      interval: 10s\n      timeout: 5s\n      retries: 5\n    deploy:\n      replicas: 2\n      resources:\n        limits: {cpus: "0.5", memory: 768M}\n');
    const t = template();
    expect(containerOf(t, 'db')).toMatchObject({ Cpu: 512, Memory: 768, HealthCheck: { Command: ['CMD', 'pg_isready'], Interval: 10, Timeout: 5, Retries: 5 } });
    t.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 2 });
  });

  test('servicesPerNestedStack spreads services over nested stacks in file order, keeping depends_on across them', () => {
    const yaml = 'services:\n' + [0, 1, 2].map((i) => `  s${i}:\n    image: nginx\n${i ? `    depends_on: [s${i - 1}]\n` : ''}`).join('');
    const { stack, project: p } = project(yaml, { servicesPerNestedStack: 2 });
    expect(Object.values(p.services).map((s) => Stack.of(s).node.id)).toEqual(['Services1', 'Services1', 'Services2']);
    Template.fromStack(stack).resourceCountIs('AWS::CloudFormation::Stack', 2);
    expect(() => project(yaml, { servicesPerNestedStack: 0 })).toThrow(/servicesPerNestedStack 0 is not valid/);
  });

  test('depends_on running both ways between two nested stacks is a synth error naming the services', () => {
    // CDK would render the parent's nested stacks with a circular DependsOn, which CloudFormation refuses at deploy.
    const crossed = 'services:\n  a:\n    image: nginx\n    depends_on: [c]\n  b:\n    image: nginx\n  c:\n    image: nginx\n  d:\n    image: nginx\n    depends_on: [b]\n';
    expect(() => project(crossed, { servicesPerNestedStack: 2 }))
      .toThrow(/depends_on runs both ways between nested stacks \(a \(Services1\) → c \(Services2\), d \(Services2\) → b \(Services1\)\).*Fix: reorder the file/);
  });

  test('an inferred wait that would run both ways between nested stacks is left out with a warning, and the project synthesizes', () => {
    // No depends_on: the workers publish nothing, so each would wait for every server, across both stacks.
    const yaml = 'services:\n  worker1:\n    image: busybox\n  api:\n    image: nginx\n  worker2:\n    image: busybox\n  db:\n    image: postgres\n';
    const { stack, project: p } = project(yaml, { servicesPerNestedStack: 2 });
    const dropped = p.warnings.filter((w) => w.key === 'depends_on');
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped[0].message).toMatch(/service worker\d: does not wait for (api|db), which sits in another nested stack .*inferred, not written in depends_on/);
    const parent = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
    const nestedIds = Object.keys(parent).filter((id) => parent[id].Type === 'AWS::CloudFormation::Stack');
    // The two nested stacks wait for each other at most one way.
    const waits = (a: string, b: string) => (parent[a].DependsOn ?? []).includes(b);
    expect(waits(nestedIds[0], nestedIds[1]) && waits(nestedIds[1], nestedIds[0])).toBe(false);
  });

  test('the image type is honoured: registry strings pull as written', () => {
    const { project: p } = project('services:\n  web:\n    image: public.ecr.aws/nginx/nginx:1.27\n');
    expect(p.services.web.container.imageName).toBe('public.ecr.aws/nginx/nginx:1.27');
    expect(p.services.web.taskDefinition.networkMode).toBe(ecs.NetworkMode.BRIDGE);
  });

  test('services named Web and api.v2 get port and discovery names ECS accepts, and keep their names as client aliases', () => {
    const { template } = project('services:\n  Web:\n    image: nginx\n  api.v2:\n    image: x\n    expose: [8080]\n');
    const t = template();
    t.hasResourceProperties('AWS::ECS::Service', {
      ServiceConnectConfiguration: Match.objectLike({ Services: [{ PortName: 'p80', DiscoveryName: 'web-80', ClientAliases: [{ DnsName: 'web', Port: 80 }] }] }),
    });
    t.hasResourceProperties('AWS::ECS::Service', {
      ServiceConnectConfiguration: Match.objectLike({ Services: [{ PortName: 'p8080', DiscoveryName: 'api-v2-8080', ClientAliases: [{ DnsName: 'api.v2', Port: 8080 }] }] }),
    });
  });

  test('services whose names collide once normalized are an error naming both', () => {
    expect(() => project('services:\n  api.v2:\n    image: nginx\n  api-v2:\n    image: nginx\n'))
      .toThrow(/compose\.yaml:4:3: services 'api.v2' and 'api-v2' get the same Service Connect discovery names 'api-v2-<port>'/);
  });

  test('a service is created after the services its environment calls (Service Connect endpoints first)', () => {
    const { template } = project('services:\n  login:\n    image: nginx\n    environment: [PUBLISH_URL=http://publish:80]\n  publish:\n    image: nginx\n');
    const services = template().findResources('AWS::ECS::Service');
    const login = Object.entries(services).find(([id]) => id.startsWith('Composelogin'))![1] as any;
    expect(login.DependsOn).toContain(Object.keys(services).find((id) => id.startsWith('Composepublish'))!);
  });

  test('the cluster instances admit each other on the ephemeral host ports the Service Connect proxies use', () => {
    const { template } = project('services:\n  db:\n    image: postgres\n');
    template().hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 32768, ToPort: 65535, Description: Match.stringLikeRegexp('Service Connect proxies'),
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClusterInstanceSecurityGroup'), 'GroupId'] },
    });
  });

  test('a database that declares no port is reachable by name on its image\'s port', () => {
    const { template, project: p } = project('services:\n  db:\n    image: postgres:16\n  words:\n    image: x\n    expose: [8080]\n    environment: [DB_URL=postgres://db:5432/words]\n');
    template().hasResourceProperties('AWS::ECS::Service', {
      ServiceConnectConfiguration: Match.objectLike({ Services: [{ PortName: 'p5432', DiscoveryName: 'db-5432', ClientAliases: [{ DnsName: 'db', Port: 5432 }] }] }),
    });
    expect(p.warnings).toEqual([]);
  });

  test('tmpfs, swap, GPUs, devices and a log driver reach the container definition as ECS settings', () => {
    const { template } = project('services:\n  gpu:\n    image: nginx\n    mem_limit: 1g\n    memswap_limit: 2g\n    mem_swappiness: 5\n    tmpfs: ["/run:size=32m"]\n    devices: ["/dev/fuse"]\n'
      + '    logging:\n      driver: syslog\n      options: {tag: gpu}\n    extra_hosts: ["myhost=0.0.0.1,0.0.0.2"]\n    deploy:\n      resources:\n        reservations:\n          devices: [{capabilities: [gpu], count: 1}]\n', { securityPolicy: ComposeSecurityPolicy.TRUSTED });
    expect(containerOf(template(), 'gpu')).toMatchObject({
      LinuxParameters: { Tmpfs: [{ ContainerPath: '/run', Size: 32 }], MaxSwap: 1024, Swappiness: 5, Devices: [{ HostPath: '/dev/fuse' }] },
      ResourceRequirements: [{ Type: 'GPU', Value: '1' }],
      LogConfiguration: { LogDriver: 'syslog', Options: { tag: 'gpu' } },
      ExtraHosts: [{ Hostname: 'myhost', IpAddress: '0.0.0.1' }, { Hostname: 'myhost', IpAddress: '0.0.0.2' }],
    });
  });

  test('deploy.update_config sets the deployment percentages and rollback', () => {
    const { template } = project('services:\n  web:\n    image: nginx\n    deploy:\n      replicas: 2\n      update_config: {parallelism: 1, order: start-first, failure_action: rollback}\n');
    template().hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 100, MaximumPercent: 150, DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
    });
  });

  test('the seed-style file with images that declare no ports routes login.<domain> and publish.<domain> on port 80, with a warning each', () => {
    const route53 = jest.requireActual('aws-cdk-lib/aws-route53');
    fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  login:\n    image: registry.example.com/login:1\n    environment: [DOMAIN=login]\n'
      + '  publish:\n    image: registry.example.com/publish:1\n    environment: [DOMAIN=publish]\n');
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
    const loadBalancer = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc, allowedCidrs: ['203.0.113.0/24'] });
    const zone = new route53.PrivateHostedZone(stack, 'Zone', { zoneName: 'qa.example.internal', vpc: cluster.vpc });
    const p = new ComposeProject(stack, 'Compose', { composeFile: path.join(dir, 'compose.yaml'), cluster, loadBalancer, domain: 'qa.example.internal', zone });
    const t = Template.fromStack(stack);
    for (const host of ['login', 'publish']) {
      t.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', { Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [`${host}.qa.example.internal`] } }] });
      t.hasResourceProperties('AWS::Route53::RecordSet', { Name: `${host}.qa.example.internal.`, Type: 'A' });
    }
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 80 });
    expect(p.warnings.map((w) => `${w.service}:${w.key}`)).toEqual(['login:ports', 'publish:ports']);
  });

  test('published ports: HTTP on a listener of the load balancer, TCP on a network load balancer, each admitted from the given ranges only; UDP is warned, not opened', () => {
    const { template, project: p } = project('services:\n  web:\n    image: x\n    ports: ["8081:8080"]\n  db:\n    image: postgres\n    ports: ["5433:5432"]\n  dns:\n    image: y\n    ports: ["53:53/udp"]\n',
      { publishedPortCidrs: ['198.51.100.0/24'] });
    const t = template();
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8081, Protocol: 'HTTP' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 5433, Protocol: 'TCP' });
    // A UDP target group's health check is TCP on the dynamic host port: a UDP-only container fails it and ECS rolls back.
    t.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'UDP' }, 0);
    t.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', { Protocol: 'UDP' }, 0);
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 2);
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Network load balancer'),
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '198.51.100.0/24', FromPort: 5433, IpProtocol: 'tcp' })],
    });
    expect(p.publishedPorts!.endpoints.map((e) => `${e.service.node.id}:${e.published}/${e.protocol}`)).toEqual(['web:8081/tcp', 'db:5433/tcp']);
    expect(Object.keys(t.findOutputs('*')).filter((k) => k.includes('Url'))).toHaveLength(2);
    expect(p.warnings.filter((w) => w.service === 'dns').map((w) => w.message)).toEqual(expect.arrayContaining([expect.stringContaining('published UDP port(s) 53:53/udp are not opened')]));
    // PublishedPorts itself refuses one, for callers that use it without a compose file.
    expect(() => p.publishedPorts!.publish(p.services.dns, { published: 53, containerPort: 53, protocol: ecs.Protocol.UDP, http: false }))
      .toThrow(/dns publishes UDP port 53, whose network load balancer health check .* never passes.*Fix: leave the UDP port unpublished/);
  });

  test('a service published on port 80 becomes the default route of the load balancer', () => {
    const { template } = project('services:\n  proxy:\n    image: nginx\n    ports: ["80:80"]\n');
    template().hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80, DefaultActions: [Match.objectLike({ Type: 'forward' })],
    });
  });

  test('publishPorts: false leaves published ports closed, with a warning', () => {
    const { template, project: p } = project('services:\n  web:\n    image: nginx\n    ports: ["8081:80"]\n', { publishPorts: false });
    expect(template().findResources('AWS::ElasticLoadBalancingV2::Listener', { Properties: { Port: 8081 } })).toEqual({});
    expect(p.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/published port\(s\) 8081:80 are not opened/)]);
  });

  test('two services publishing the same port is an error naming both', () => {
    expect(() => project('services:\n  a:\n    image: nginx\n    ports: ["8081:80"]\n  b:\n    image: nginx\n    ports: ["8081:80"]\n'))
      .toThrow(/b publishes port 8081\/tcp, which service a already uses/);
  });

  test('published ports of services in nested stacks synthesize, with the listener in the parent stack', () => {
    const { stack, project: p } = project('services:\n  a:\n    image: nginx\n    ports: ["8081:80"]\n  b:\n    image: postgres\n    ports: ["5433:5432"]\n',
      { servicesPerNestedStack: 1, publishedPortCidrs: ['198.51.100.0/24'] });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8081 });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 5433, Protocol: 'TCP' });
    expect(Stack.of(p.services.a).nested).toBe(true);
  });
});

describe('ComposeProject security policy (docs/compose.md, "Untrusted compose files")', () => {
  let outside: string;
  beforeEach(() => {
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-outside-'));
    fs.writeFileSync(path.join(outside, 'credentials'), 'aws_secret_access_key=OUTSIDE-SECRET\n');
  });
  afterEach(() => fs.rmSync(outside, { recursive: true, force: true }));

  test('the compose file is untrusted by default: a host-level setting is a synth error at file:line:column', () => {
    expect(() => project('services:\n  web:\n    image: nginx\n    privileged: true\n'))
      .toThrow(/Test\/Compose: .*compose\.yaml:4:17: service web: 'privileged: true' .*Fix: remove it, or set securityPolicy: ComposeSecurityPolicy\.TRUSTED/);
  });

  test('TRUSTED honours a host-level setting', () => {
    const { template } = project('services:\n  web:\n    image: nginx\n    privileged: true\n', { securityPolicy: ComposeSecurityPolicy.TRUSTED });
    expect(containerOf(template(), 'web').Privileged).toBe(true);
  });

  test('env_file outside the project is refused under both policies, so its content never reaches the template', () => {
    for (const securityPolicy of [ComposeSecurityPolicy.BASELINE, ComposeSecurityPolicy.TRUSTED]) {
      expect(() => project(`services:\n  web:\n    image: nginx\n    env_file: ${path.join(outside, 'credentials')}\n`, { securityPolicy }))
        .toThrow(/compose\.yaml:4:15: service web: env_file '.*credentials' is outside the project folder/);
    }
  });

  test('a .env beside the compose file that links out of the project is refused; readDotEnv: false skips it', () => {
    fs.symlinkSync(path.join(outside, 'credentials'), path.join(dir, '.env'));
    expect(() => project('services:\n  web:\n    image: nginx\n')).toThrow(/the \.env file beside .*compose\.yaml leads outside the project folder/);
    expect(() => project('services:\n  web:\n    image: nginx\n', { readDotEnv: false })).not.toThrow();
  });

  // Review r1: the compose file was read before its containment check, and it, the .env and env_file were read whole
  // before any size check: a name leading to /dev/zero or a FIFO read until memory ran out, or waited for ever.
  test('a compose file that links out of the project (to /dev/zero) is refused before it is read', () => {
    const other = path.join(dir, 'sub');
    fs.mkdirSync(other);
    fs.symlinkSync('/dev/zero', path.join(other, 'compose.yaml'));
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
    expect(() => new ComposeProject(stack, 'Compose', { composeFile: path.join(other, 'compose.yaml'), cluster })).toThrow(/compose file .* is not inside projectDirectory/);
  });

  test('a compose file, .env or env_file that is a FIFO inside the project is refused as not a regular file, without waiting for a writer', () => {
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
    expect(() => new ComposeProject(stack, 'Compose', { composeFile: path.join(dir, 'fifo'), cluster })).toThrow(/Test\/Compose: compose file '.*fifo' is not a regular file/);
    expect(() => project('services:\n  web:\n    image: nginx\n    env_file: fifo\n')).toThrow(/fifo is not a regular file/);
    fs.renameSync(path.join(dir, 'fifo'), path.join(dir, '.env'));
    expect(() => project('services:\n  web:\n    image: nginx\n')).toThrow(/\.env is not a regular file/);
    expect(() => project('services:\n  web:\n    image: nginx\n', { readDotEnv: false })).not.toThrow();
  });

  test('files over their cap are refused by their size before they are read; at the cap they load', () => {
    const big = (bytes: number) => `A=${'x'.repeat(bytes - 3)}\n`;
    expect(() => project(`services:\n  web:\n    image: nginx\n${' '.repeat(MAX_COMPOSE_FILE_BYTES)}\n`))
      .toThrow(/compose file '.*compose\.yaml' is 1,048,611 bytes, more than the 1,048,576 read from one file of a compose project\. Fix: shorten the file/);
    expect(() => project('services:\n  web:\n    image: nginx\n', {}, { '.env': big(MAX_ENV_FILE_BYTES + 1) })).toThrow(/\.env is 1,048,577 bytes, more than the 1,048,576/);
    expect(() => project('services:\n  web:\n    image: nginx\n    env_file: app.env\n', {}, { '.env': '', 'app.env': big(MAX_ENV_FILE_BYTES + 1) })).toThrow(/app\.env is 1,048,577 bytes/);
    expect(() => project('services:\n  web:\n    image: nginx\n    env_file: app.env\n', {}, { 'app.env': big(MAX_ENV_FILE_BYTES) })).not.toThrow();
  });

  test('projectDirectory must hold the compose file', () => {
    expect(() => project('services:\n  web:\n    image: nginx\n', { projectDirectory: outside })).toThrow(/compose file .* is not inside projectDirectory/);
  });

  test('a sealed file secret outside the project is refused before anything is sealed or written beside it', () => {
    const seal = { keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/0f3c7c4e-8d1a-4b6e-9a51-2f8d3c1b7e90', publicKey: testSealingKey().publicKeyPem };
    expect(() => project(`services:\n  web:\n    image: nginx\n    secrets: [s]\nsecrets:\n  s:\n    file: ${path.join(outside, 'credentials')}\n`, { sealSecretFiles: seal }))
      .toThrow(/compose\.yaml:7:11: secret s's file '.*credentials' is outside the project folder/);
    expect(fs.readdirSync(outside)).toEqual(['credentials']);
  });

  test('external secrets: a name under the stack\'s prefix is granted by that name only; another environment\'s is refused', () => {
    const yaml = (name: string) => `services:\n  web:\n    image: nginx\n    secrets: [db]\nsecrets:\n  db:\n    external: true\n    name: ${name}\n`;
    expect(() => project(yaml('prod/db-password'))).toThrow(/compose\.yaml:8:11: external secret 'prod\/db-password' is not named under this environment's prefix 'Test\/'/);
    const { template } = project(yaml('Test/db-password'));
    const statements = Object.values(template().findResources('AWS::IAM::Policy')).flatMap((r: any) => r.Properties.PolicyDocument.Statement);
    const grants = statements.filter((s: any) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(JSON.stringify(grants)).toContain(':secret:Test/db-password-??????');
    expect(JSON.stringify(grants)).not.toMatch(/prod/);
  });

  test('inside a nested stack the prefix is the outermost stack\'s name (a nested stack\'s name is a token)', () => {
    fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  web:\n    image: nginx\n    secrets: [db]\nsecrets:\n  db:\n    external: true\n    name: Test/db\n');
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
    expect(() => new ComposeProject(new NestedStack(stack, 'Inner'), 'Compose', { composeFile: path.join(dir, 'compose.yaml'), cluster })).not.toThrow();
  });

  test('externalNamePrefix replaces the stack name; TRUSTED accepts any external name', () => {
    const yaml = 'services:\n  web:\n    image: nginx\n    secrets: [db]\nsecrets:\n  db:\n    external: true\n    name: shared/db\n';
    expect(() => project(yaml, { externalNamePrefix: 'shared' })).not.toThrow();
    expect(() => project(yaml, { securityPolicy: ComposeSecurityPolicy.TRUSTED })).not.toThrow();
  });

  test('a build context link to a file outside the project is refused at synth, before the image asset would copy it', () => {
    fs.mkdirSync(path.join(dir, 'app'));
    fs.symlinkSync(path.join(outside, 'credentials'), path.join(dir, 'app', 'creds'));
    expect(() => project('services:\n  web:\n    build: ./app\n', {}, { 'app/Dockerfile': 'FROM scratch\n' }))
      .toThrow(/compose\.yaml:3:12: service web: build context '\.\/app' holds the symbolic link app\/creds, which leads outside the project folder/);
  });

  test('an image asset refuses links out of its context (BLOCK_EXTERNAL) unless the policy checked them (EXTERNAL)', () => {
    const fromAsset = jest.spyOn(ecs.ContainerImage, 'fromAsset');
    try {
      project('services:\n  web:\n    build: ./app\n', {}, { 'app/Dockerfile': 'FROM scratch\n', 'shared/x.txt': 'x' });
      expect(fromAsset).toHaveBeenLastCalledWith(path.join(dir, 'app'), expect.objectContaining({ followSymlinks: SymlinkFollowMode.BLOCK_EXTERNAL }));
      fs.symlinkSync(path.join(dir, 'shared', 'x.txt'), path.join(dir, 'app', 'x.txt'));
      project('services:\n  web:\n    build: ./app\n');
      expect(fromAsset).toHaveBeenLastCalledWith(path.join(dir, 'app'), expect.objectContaining({ followSymlinks: SymlinkFollowMode.EXTERNAL }));
    } finally {
      fromAsset.mockRestore();
    }
  });

  test('a build context link to a project file outside the context is copied into the image asset', () => {
    for (const [name, content] of Object.entries({ 'app/Dockerfile': 'FROM scratch\n', 'shared/config.txt': 'IN-PROJECT-CONFIG\n', 'app/local.txt': 'x' })) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), content);
    }
    fs.symlinkSync(path.join(dir, 'shared', 'config.txt'), path.join(dir, 'app', 'config.txt'));
    fs.symlinkSync('local.txt', path.join(dir, 'app', 'alias.txt'));
    const { stack } = project('services:\n  web:\n    build: ./app\n');
    expect(assemblyText(stack)).toContain('IN-PROJECT-CONFIG');
  });
});

describe('projects sharing a cluster (consumer review)', () => {
  test('two projects of one name on one cluster are refused (they would share /opt/compose/<name>); distinct names pass', () => {
    const write = (sub: string, yaml: string) => {
      fs.mkdirSync(path.join(dir, sub), { recursive: true });
      fs.writeFileSync(path.join(dir, sub, 'compose.yaml'), yaml);
      return path.join(dir, sub, 'compose.yaml');
    };
    const trusted = write('trusted', 'name: shop\nservices:\n  db:\n    image: postgres:16\n    volumes: ["./pgdata:/var/lib/postgresql/data"]\n');
    const branch = write('branch', 'name: SHOP\nservices:\n  thief:\n    image: busybox:1.36\n    volumes: [".:/loot"]\n');
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
    new ComposeProject(stack, 'Trusted', { composeFile: trusted, cluster, securityPolicy: ComposeSecurityPolicy.TRUSTED });
    expect(() => new ComposeProject(stack, 'Branch', { composeFile: branch, cluster }))
      .toThrow(/Test\/Branch: compose project 'shop' runs on the same cluster as Test\/Trusted.*\/opt\/compose\/shop.*Fix: give one of them another projectName/);
    expect(() => new ComposeProject(stack, 'Branch2', { composeFile: branch, cluster, projectName: 'branch-x' })).not.toThrow();
  });
});
