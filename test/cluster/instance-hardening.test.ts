import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FleetCluster, FleetClusterProps } from '../../lib/cluster/fleet-cluster';
import { BLOCK_INSTANCE_METADATA_PATH, blockInstanceMetadataScript, instanceHardeningUserData } from '../../lib/cluster/instance-hardening';
import { QaStack } from '../../lib/environments/qa';
import { FleetService } from '../../lib/service/fleet-service';
import { unitTestApp } from '../support/app';
import { testStack } from '../support/fixtures';

const SCRIPT = path.join(__dirname, '..', '..', 'lib', 'cluster', 'scripts', 'block-instance-metadata.sh');
const STUBS = path.join(__dirname, 'stubs');
const SWARM_STUBS = path.join(__dirname, '..', 'swarm', 'stubs');
/** The rule of the ECS Developer Guide for bridge-mode tasks, as iptables is called with it. */
const RULE = '--in-interface docker+ --destination 169.254.169.254/32 --jump DROP';

/** The user data of the (only) launch template of `stack`, tokens as JSON. */
function userDataOf(stack: Stack): string {
  const [lt] = Object.values(Template.fromStack(stack).findResources('AWS::EC2::LaunchTemplate'));
  const data = lt.Properties.LaunchTemplateData.UserData['Fn::Base64'];
  if (typeof data === 'string') return data;
  return data['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : JSON.stringify(p))).join('');
}

function clusterUserData(props: FleetClusterProps = {}): string {
  const stack = testStack();
  new FleetCluster(stack, 'Cluster', props);
  return userDataOf(stack);
}

describe('FleetCluster hardening: user data', () => {
  test('by default installs the metadata block (script byte for byte, then its systemd unit) and keeps task roles on', () => {
    const lines = clusterUserData().split('\n');
    const script = blockInstanceMetadataScript().trimEnd();
    expect(lines.join('\n')).toContain(`cat >${BLOCK_INSTANCE_METADATA_PATH} <<'__SWARM_SCRIPT_END__'\n${script}\n__SWARM_SCRIPT_END__`);
    expect(lines).toContain(`${BLOCK_INSTANCE_METADATA_PATH} install`);
    expect(lines).toContain("echo 'ECS_ENABLE_TASK_IAM_ROLE=true' >> /etc/ecs/ecs.config");
    expect(lines).toContain("echo 'ECS_AWSVPC_BLOCK_IMDS=true' >> /etc/ecs/ecs.config");
    expect(lines).not.toContain("echo 'ECS_DISABLE_PRIVILEGED=true' >> /etc/ecs/ecs.config");
    // The unit is installed before the agent's ECS_CLUSTER line, so before the agent starts (after cloud-final).
    expect(lines.indexOf(`${BLOCK_INSTANCE_METADATA_PATH} install`)).toBeLessThan(lines.findIndex((l) => l.startsWith('echo ECS_CLUSTER=')));
  });

  test('disablePrivilegedContainers appends ECS_DISABLE_PRIVILEGED=true; blockInstanceMetadataFromContainers false leaves the block out', () => {
    const lines = clusterUserData({ hardening: { disablePrivilegedContainers: true, blockInstanceMetadataFromContainers: false } }).split('\n');
    expect(lines).toContain("echo 'ECS_DISABLE_PRIVILEGED=true' >> /etc/ecs/ecs.config");
    expect(lines.join('\n')).not.toContain(BLOCK_INSTANCE_METADATA_PATH);
    expect(lines.join('\n')).not.toContain('ECS_AWSVPC_BLOCK_IMDS');
  });

  test('each setting is one line, and nothing else in the user data sets the same keys', () => {
    const text = instanceHardeningUserData({ disablePrivilegedContainers: true }).join('\n');
    for (const key of ['ECS_ENABLE_TASK_IAM_ROLE=', 'ECS_AWSVPC_BLOCK_IMDS=', 'ECS_DISABLE_PRIVILEGED=']) {
      expect(text.split(key)).toHaveLength(2);
    }
    expect(text).not.toMatch(/ECS_ENABLE_TASK_IAM_ROLE=false|ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST=false/);
  });

  test('the QA environment turns both on: a branch\'s compose file is untrusted', () => {
    const qa = new QaStack(unitTestApp(), 'Qa', { env: { account: '111111111111', region: 'eu-west-1' }, domain: 'qa.example.internal' });
    const lines = userDataOf(qa).split('\n');
    expect(lines).toContain("echo 'ECS_DISABLE_PRIVILEGED=true' >> /etc/ecs/ecs.config");
    expect(lines).toContain(`${BLOCK_INSTANCE_METADATA_PATH} install`);
  });
});

describe('FleetCluster hardening: privileged services on a cluster that refuses them', () => {
  const build = (privileged: boolean | undefined, disablePrivilegedContainers: boolean) => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { hardening: { disablePrivilegedContainers } });
    new FleetService(stack, 'Tool', { cluster, image: 'public.ecr.aws/docker/library/busybox:1.37', memoryLimitMiB: 64, privileged });
    return () => Template.fromStack(stack);
  };

  test('a privileged container fails synthesis, naming the service, the container and the fix', () => {
    expect(build(true, true)).toThrow(/Tool.*container '.*' is privileged, but the instances of .*Cluster refuse privileged containers.*Fix: drop privileged/s);
  });

  test('an unprivileged service synthesizes', () => {
    expect(build(undefined, true)).not.toThrow();
    expect(build(false, true)).not.toThrow();
  });

  test('a cluster that allows privileged containers accepts one', () => {
    expect(build(true, false)).not.toThrow();
  });

  test('services on another cluster are not judged', () => {
    const stack = testStack();
    new FleetCluster(stack, 'Strict', { hardening: { disablePrivilegedContainers: true } });
    const other = new FleetCluster(stack, 'Other');
    new FleetService(stack, 'Elsewhere', { cluster: other, image: 'public.ecr.aws/docker/library/busybox:1.37', memoryLimitMiB: 64, privileged: true });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});

/** A scratch host for the script: stub iptables and systemctl first on PATH, FLEET_ROOT for the files it writes. */
class ScriptHost {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-hardening-'));
  run(...args: string[]): { code: number; stdout: string; stderr: string } {
    const result = spawnSync('bash', [SCRIPT, ...args], {
      encoding: 'utf8',
      env: { PATH: `${STUBS}:${SWARM_STUBS}:${process.env.PATH}`, STUB_DIR: this.dir, FLEET_ROOT: path.join(this.dir, 'root') },
    });
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  }
  chain(name: string): string[] | undefined {
    const file = path.join(this.dir, 'iptables', 'filter', name);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : undefined;
  }
  calls(stub: string): string[] {
    const file = path.join(this.dir, `${stub}.log`);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }
  read(rel: string): string | undefined {
    const file = path.join(this.dir, 'root', rel);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  }
  cleanUp() { fs.rmSync(this.dir, { recursive: true, force: true }); }
}

describe('block-instance-metadata.sh against a stub iptables', () => {
  let host: ScriptHost;
  beforeEach(() => { host = new ScriptHost(); });
  afterEach(() => host.cleanUp());

  test('before Docker has started: creates DOCKER-USER and inserts exactly the documented rule, first', () => {
    const run = host.run('apply');
    expect(run.code).toBe(0);
    expect(host.chain('DOCKER-USER')).toEqual([RULE]);
    expect(host.calls('iptables')).toEqual([
      '-w -t filter -n -L DOCKER-USER',
      '-w -t filter -N DOCKER-USER',
      `-w -t filter -C DOCKER-USER ${RULE}`,
      `-w -t filter --insert DOCKER-USER 1 ${RULE}`,
    ]);
  });

  test('after Docker has started: the rule goes before Docker\'s own rules in the chain, which stay', () => {
    fs.mkdirSync(path.join(host.dir, 'iptables', 'filter'), { recursive: true });
    fs.writeFileSync(path.join(host.dir, 'iptables', 'filter', 'DOCKER-USER'), '--jump RETURN\n');
    expect(host.run('apply').code).toBe(0);
    expect(host.chain('DOCKER-USER')).toEqual([RULE, '--jump RETURN']);
  });

  test('is idempotent: a restart of Docker (the unit runs again) never adds a second rule', () => {
    host.run('apply');
    const again = host.run('apply');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already cannot reach 169.254.169.254');
    expect(host.chain('DOCKER-USER')).toEqual([RULE]);
  });

  test('touches nothing but 169.254.169.254: no rule names the agent\'s credential endpoint 169.254.170.2, the nat table or INPUT', () => {
    host.run('apply');
    const calls = host.calls('iptables').join('\n');
    expect(calls).not.toContain('169.254.170.2');
    expect(calls).not.toMatch(/-t nat|INPUT|OUTPUT|PREROUTING|-F|--flush|-D /);
  });

  test('install writes a unit that runs after Docker and before the agent, which requires it, and starts it', () => {
    const run = host.run('install');
    expect(run.code).toBe(0);
    expect(host.read(`.${BLOCK_INSTANCE_METADATA_PATH}`)).toBe(fs.readFileSync(SCRIPT, 'utf8'));
    const unit = host.read('etc/systemd/system/fleet-block-instance-metadata.service')!;
    expect(unit).toContain('After=docker.service\nBefore=ecs.service\nPartOf=docker.service');
    expect(unit).toContain(`ExecStart=${BLOCK_INSTANCE_METADATA_PATH} apply`);
    expect(unit).toContain('WantedBy=docker.service\nRequiredBy=ecs.service');
    expect(host.calls('systemctl')).toEqual([
      'daemon-reload', 'enable fleet-block-instance-metadata.service', 'start --no-block fleet-block-instance-metadata.service',
    ]);
  });

  test('an unknown command is refused', () => {
    expect(host.run('remove').code).toBe(64);
  });

  test('shellcheck finds nothing (when shellcheck is installed, as in .ci/run)', () => {
    const available = spawnSync('shellcheck', ['--version']).status === 0;
    if (!available) return;
    execFileSync('shellcheck', [SCRIPT, path.join(STUBS, 'iptables')]);
  });
});
