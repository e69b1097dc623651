/**
 * Docker Swarm on real engines: five simulated instances (test/swarm/engine/lab.ts) — three managers, a frontend
 * and a services worker — each with its own network, mount and UTS namespace, real `dockerd`, a fake IMDSv2 and the
 * shared fake SSM/EC2 of the stub `aws`. They run the user data synthesized by SwarmCluster and SwarmNodeGroup,
 * unmodified; the drainer Lambda's handler runs in this process with its SDK clients answered by the lab, and the
 * commands it sends through the swarm's SSM document run on a manager as the SSM agent runs them (parameters
 * substituted, `sh`, root). Needs root, `ip netns`, unshare/nsenter and Debian's docker.io; otherwise it says so
 * and skips.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AutoScalingClient, CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DeleteParameterCommand, GetCommandInvocationCommand, GetParametersByPathCommand, SendCommandCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsStub, mockClient } from 'aws-sdk-client-mock';
import { handler, timing } from '../../lambda/swarm-node-drainer/index';
import { parseIpv4Block, overlaps } from '../../lib/swarm/address-pool';
import { SwarmCluster } from '../../lib/swarm/swarm-cluster';
import { SwarmNodeGroup } from '../../lib/swarm/swarm-node-group';
import { unitTestApp } from '../support/app';
import { cannotRun, EngineLab, LabNode, Run } from './engine/lab';

const reason = cannotRun();
if (reason) {
  // Loud on purpose: a skipped suite must not pass unnoticed.
  console.warn(`\n*** SKIPPED test/swarm/real-engine.test.ts: this machine cannot run Docker engines in namespaces (${reason}). ***\n`);
}
const describeEngines = reason ? describe.skip : describe;

const VPC_CIDR = '10.0.0.0/16';
const IMAGE = 'fleet/tiny:test';
/** Stops in about 2 s on SIGTERM, like a service finishing its requests: a drain that does not wait shows. */
const GRACEFUL = ['sh', '-c', 'trap "sleep 2; exit 0" TERM; sleep 3600 & wait'];

/** The app under test, synthesized as a user would: a VPC, three managers, a frontend and a services group. */
function synthesize() {
  const stack = new Stack(unitTestApp(), 'Engines', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR), maxAzs: 2, natGateways: 1 });
  const swarm = new SwarmCluster(stack, 'Swarm', { vpc, drainTimeout: Duration.seconds(60) });
  new SwarmNodeGroup(stack, 'Frontend', {
    cluster: swarm, role: 'frontend', environment: 'staging',
    tags: { 'example.db.host': 'db.example.internal' }, exportTags: { 'example.db.host': 'DB_HOST' },
  });
  new SwarmNodeGroup(stack, 'Services', { cluster: swarm, role: 'services', environment: 'staging' });
  const template = Template.fromStack(stack);
  const resolve = (value: any): string => {
    if (typeof value === 'string') return value;
    if (value['Fn::Base64']) return resolve(value['Fn::Base64']);
    if (value['Fn::Join']) return value['Fn::Join'][1].map(resolve).join(value['Fn::Join'][0]);
    // Only the KMS key ARN is a reference here; the stub aws ignores it.
    return 'arn:aws:kms:eu-west-1:111111111111:key/engines';
  };
  const launchTemplates = Object.entries(template.findResources('AWS::EC2::LaunchTemplate'));
  const userData = (fragment: string) => resolve(launchTemplates.find(([id]) => id.includes(fragment))![1].Properties.LaunchTemplateData.UserData);
  const groups = Object.entries(template.findResources('AWS::AutoScaling::AutoScalingGroup'));
  const tags = (fragment: string): Record<string, string> => Object.fromEntries(groups.find(([id]) => id.includes(fragment))![1].Properties.Tags
    .filter((t: any) => t.PropagateAtLaunch).map((t: any) => [t.Key, t.Value]));
  const [document] = Object.values(template.findResources('AWS::SSM::Document'));
  return {
    swarm,
    manager: { userData: userData('ManagerLaunchTemplate'), tags: tags('SwarmManagers') },
    frontend: { userData: userData('FrontendLaunchTemplate'), tags: tags('FrontendASG') },
    services: { userData: userData('ServicesLaunchTemplate'), tags: tags('ServicesASG') },
    runCommand: document.Properties.Content.mainSteps[0].inputs.runCommand as string[],
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

describeEngines('Docker Swarm on real engines (namespaced nodes, synthesized user data, drainer end to end)', () => {
  const started = Date.now();
  const figures: Record<string, string> = {};
  let lab: EngineLab;
  let app: ReturnType<typeof synthesize>;
  let m1: LabNode; let m2: LabNode; let m3: LabNode; let w1: LabNode; let w2: LabNode;
  let boots: Record<string, Run>;

  // The drainer's AWS, answered by the lab. Commands sent through the document run on the manager for real.
  // Made in beforeAll, so a skipped suite mocks nothing.
  let ssm: AwsStub<any, any, any> | undefined;
  let ec2Api: AwsStub<any, any, any> | undefined;
  let asg: AwsStub<any, any, any> | undefined;
  const commands = new Map<string, { node: LabNode; action: string; target: string; done: Promise<Run>; result?: Run; millis?: number }>();
  const completions: { instance?: string; containersStillRunning: number; at: number }[] = [];
  const awsError = (name: string) => Object.assign(new Error(name), { name });
  const byInstance = (id: string) => [...lab.nodes.values()].find((n) => n.instanceId === id);

  beforeAll(async () => {
    app = synthesize();
    lab = new EngineLab();
    await lab.start();
    const node = (name: string, n: string, ip: string, tags: Record<string, string>) =>
      lab.addNode(name, { instanceId: `i-0${n}`, localIpv4: ip, tags });
    m1 = await node('m1', 'a00000000000001', '10.0.1.11', app.manager.tags);
    m2 = await node('m2', 'a00000000000002', '10.0.1.12', app.manager.tags);
    m3 = await node('m3', 'a00000000000003', '10.0.1.13', app.manager.tags);
    w1 = await node('w1', 'b00000000000001', '10.0.1.21', app.frontend.tags);
    w2 = await node('w2', 'b00000000000002', '10.0.1.22', app.services.tags);
    // All five at once: the three managers race for the bootstrap lock in the shared fake SSM.
    const fast = { SWARM_RETRY_SECONDS: '1', SWARM_JOIN_TIMEOUT: '120' };
    const bootStarted = Date.now();
    const runs = await Promise.all([
      lab.boot(m1, app.manager.userData, fast), lab.boot(m2, app.manager.userData, fast), lab.boot(m3, app.manager.userData, fast),
      lab.boot(w1, app.frontend.userData, fast), lab.boot(w2, app.services.userData, fast),
    ]);
    boots = Object.fromEntries(['m1', 'm2', 'm3', 'w1', 'w2'].map((n, i) => [n, runs[i]]));
    figures['boot (5 engines, concurrently)'] = `${((Date.now() - bootStarted) / 1000).toFixed(1)} s`;

    timing.pollMillis = 250;
    const ssmMock = ssm = mockClient(SSMClient);
    const ec2Mock = ec2Api = mockClient(EC2Client);
    const asgMock = asg = mockClient(AutoScalingClient);
    Object.assign(process.env, { SWARM_NAME: app.swarm.swarmName, DOCUMENT_NAME: 'SwarmCommandDocument', PARAMETER_PREFIX: app.swarm.parameterPrefix });
    ec2Mock.on(DescribeInstancesCommand).callsFake(async (input: any) => {
      const managersOnly = (input.Filters ?? []).some((f: any) => f.Name === 'tag:swarm:node-role');
      const ids = [...lab.nodes.values()].filter((n) => n.alive && (!managersOnly || n.name.startsWith('m'))).map((n) => n.instanceId);
      return { Reservations: [{ Instances: ids.map((InstanceId) => ({ InstanceId })) }] };
    });
    ssmMock.on(SendCommandCommand).callsFake(async (input: any) => {
      const node = byInstance(input.InstanceIds[0]);
      if (!node?.alive) throw awsError('InvalidInstanceId');
      const action = input.Parameters.action[0];
      const target = input.Parameters.target?.[0] ?? '';
      // What the SSM agent does with aws:runShellScript: substitute the parameters, write the script, run it with sh.
      const script = app.runCommand.join('\n').replace(/\{\{\s*action\s*\}\}/g, action).replace(/\{\{\s*target\s*\}\}/g, target);
      const id = `cmd-${commands.size + 1}`;
      const file = path.join(node.dir, `_script-${id}.sh`);
      fs.writeFileSync(file, script);
      const t0 = Date.now();
      const entry: any = { node, action, target };
      entry.done = lab.onNode(node, ['sh', file]).then((run) => { entry.result = run; entry.millis = Date.now() - t0; return run; });
      commands.set(id, entry);
      return { Command: { CommandId: id } };
    });
    ssmMock.on(GetCommandInvocationCommand).callsFake(async ({ CommandId }: any) => {
      const command = commands.get(CommandId)!;
      if (!command.result) return { Status: 'InProgress' };
      return { Status: command.result.code === 0 ? 'Success' : 'Failed', StandardErrorContent: command.result.stderr };
    });
    ssmMock.on(GetParametersByPathCommand).callsFake(async ({ Path }: any) => ({ Parameters: lab.parameterNames(Path).map((Name) => ({ Name })) }));
    ssmMock.on(DeleteParameterCommand).callsFake(async ({ Name }: any) => {
      if (!lab.deleteParameter(Name)) throw awsError('ParameterNotFound');
      return {};
    });
    asgMock.on(CompleteLifecycleActionCommand).callsFake(async (input: any) => {
      const node = byInstance(input.InstanceId)!;
      const running = (await lab.docker(node, 'ps', '-q')).split('\n').filter(Boolean).length;
      completions.push({ instance: input.InstanceId, containersStillRunning: running, at: Date.now() });
      return {};
    });
  }, 200_000);

  afterAll(async () => {
    ssm?.restore(); ec2Api?.restore(); asg?.restore();
    await Promise.all([...commands.values()].map((c) => c.done));
    if (!lab) return;
    await lab.cleanUp();
    figures['whole suite'] = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    // Figures for the closing note and docs, as plain output rather than a console block in the test report.
    process.stdout.write(`real-engine suite figures:\n${Object.entries(figures).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`);
    const left = await lab.leftovers();
    if (left.length > 0) throw new Error(`namespaces left behind: ${left.join(', ')}`);
  }, 60_000);

  test('every node boots from the synthesized user data; one manager initialises the swarm under a real lock race', async () => {
    for (const [name, run] of Object.entries(boots)) {
      expect({ name, code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ name, code: 0, stderr: '' });
    }
    const winners = Object.entries(boots).filter(([, run]) => run.stderr.includes('won the bootstrap lock')).map(([name]) => name);
    expect(winners).toHaveLength(1);
    // The two others lost the same conditional write (ParameterAlreadyExists) and joined instead.
    const losers = Object.entries(boots).filter(([, run]) => run.stderr.includes('the swarm is initialised by another manager')).map(([name]) => name);
    expect([...winners, ...losers].sort()).toEqual(['m1', 'm2', 'm3']);
    expect(lab.parameter(`${app.swarm.parameterPrefix}/init-lock`)).toBe(byNameId(winners[0]));
    const nodes = await lab.dockerJson<any[]>(m1, 'node', 'inspect', ...(await lab.docker(m1, 'node', 'ls', '-q')).split('\n').filter(Boolean));
    const shape = nodes.map((n) => `${n.Description.Hostname}:${n.Spec.Role}:${n.Status.State}:${n.Spec.Availability}`).sort();
    // Managers run no tasks by default (availability drain).
    expect(shape).toEqual(['m1:manager:ready:drain', 'm2:manager:ready:drain', 'm3:manager:ready:drain', 'w1:worker:ready:active', 'w2:worker:ready:active']);
    expect(lab.parameterNames(`${app.swarm.parameterPrefix}/managers`).map((n) => lab.parameter(n)).sort()).toEqual(['10.0.1.11', '10.0.1.12', '10.0.1.13']);
  });

  function byNameId(name: string): string {
    return lab.nodes.get(name)!.instanceId;
  }

  test('docker.* tags of the groups are the engine labels (docker node inspect), with the instance id', async () => {
    const ids = (await lab.docker(m1, 'node', 'ls', '-q')).split('\n').filter(Boolean);
    const labels = Object.fromEntries((await lab.dockerJson<any[]>(m1, 'node', 'inspect', ...ids))
      .map((n) => [n.Description.Hostname, n.Description.Engine.Labels]));
    expect(labels.w1).toEqual({ 'fleet.instance-id': w1.instanceId, role: 'frontend', environment: 'staging' });
    expect(labels.w2).toEqual({ 'fleet.instance-id': w2.instanceId, role: 'services', environment: 'staging' });
    expect(labels.m2).toEqual({ 'fleet.instance-id': m2.instanceId, role: 'manager' });
  });

  test('exported tags are in the node\'s environment file, and the engine got them from the systemd drop-in', async () => {
    expect(fs.readFileSync(path.join(w1.dir, 'etc-upper', 'swarm', 'node.env'), 'utf8')).toBe('DB_HOST=db.example.internal\n');
    expect(fs.readFileSync(path.join(w2.dir, 'etc-upper', 'swarm', 'node.env'), 'utf8')).toBe('');
    const pid = await lab.enginePid(w1);
    expect(fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain('DB_HOST=db.example.internal');
  });

  test('overlay networks come from the pool derived from the VPC CIDR, never overlapping it, and carry traffic between nodes', async () => {
    expect(app.swarm.overlayAddressPool).toBe('10.255.0.0/16');
    const pool = parseIpv4Block('10.255.0.0/16')!;
    const vpc = parseIpv4Block(VPC_CIDR)!;
    await lab.docker(m1, 'network', 'create', '--driver', 'overlay', 'fleet-net');
    for (const network of ['ingress', 'fleet-net']) {
      const [config] = (await lab.dockerJson<any[]>(m1, 'network', 'inspect', network))[0].IPAM.Config;
      const subnet = parseIpv4Block(config.Subnet)!;
      expect({ network, inPool: overlaps(subnet, pool), overlapsVpc: overlaps(subnet, vpc) }).toEqual({ network, inPool: true, overlapsVpc: false });
    }
    await Promise.all([w1, w2].map((worker) => lab.importTinyImage(worker, IMAGE)));
    await lab.docker(m1, 'service', 'create', '--detach', '--no-resolve-image', '--name', 'spread', '--replicas', '2', '--replicas-max-per-node', '1',
      '--network', 'fleet-net', '--endpoint-mode', 'dnsrr', IMAGE, ...GRACEFUL);
    const pids = await until('a spread task on each worker', async () => {
      const found: number[] = [];
      for (const worker of [w1, w2]) {
        const id = (await lab.docker(worker, 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=spread')).trim();
        if (!id) return undefined;
        found.push((await lab.dockerJson<any[]>(worker, 'inspect', id))[0].State.Pid);
      }
      return found;
    });
    const addressOf = async (worker: LabNode) => {
      const id = (await lab.docker(worker, 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=spread')).trim();
      return (await lab.dockerJson<any[]>(worker, 'inspect', id))[0].NetworkSettings.Networks['fleet-net'].IPAddress as string;
    };
    const target = await addressOf(w2);
    expect(overlaps(parseIpv4Block(`${target}/32`)!, pool)).toBe(true);
    // A TCP round trip from w1's task to w2's task over the VXLAN overlay (node's net module inside the tasks'
    // network namespaces; the tiny image has no network tools).
    const { spawn } = await import('child_process');
    const server = spawn('nsenter', ['-t', String(pids[1]), '-n', process.execPath, '-e',
      'const s=require("net").createServer(c=>c.end("over the overlay\\n")).listen(7000,()=>console.log("up"));setTimeout(()=>process.exit(0),20000)']);
    await new Promise<void>((resolve) => server.stdout.on('data', () => resolve()));
    const client = await new Promise<string>((resolve) => {
      const c = spawn('nsenter', ['-t', String(pids[0]), '-n', process.execPath, '-e',
        `const s=require("net").connect(7000,"${target}");s.on("data",d=>{process.stdout.write(d);process.exit(0)});s.on("error",e=>{console.log(e.message);process.exit(1)});setTimeout(()=>process.exit(2),10000)`]);
      let out = '';
      c.stdout.on('data', (d) => { out += d; });
      c.on('exit', () => resolve(out));
    });
    server.kill();
    expect(client).toBe('over the overlay\n');
  });

  test('placement constraints on engine labels put each service on its group', async () => {
    await lab.docker(m1, 'service', 'create', '--detach', '--no-resolve-image', '--name', 'web', '--replicas', '2',
      '--constraint', 'engine.labels.role==frontend', '--stop-grace-period', '20s', IMAGE, ...GRACEFUL);
    await lab.docker(m1, 'service', 'create', '--detach', '--no-resolve-image', '--name', 'api', '--replicas', '1',
      '--constraint', 'engine.labels.role==services', IMAGE, ...GRACEFUL);
    const placed = await until('web and api running', async () => {
      const out = await lab.docker(m1, 'service', 'ps', 'web', 'api', '--filter', 'desired-state=running', '--format', '{{.Name}} {{.Node}} {{.CurrentState}}');
      const lines = out.split('\n').filter(Boolean);
      return lines.length === 3 && lines.every((l) => l.includes('Running')) ? lines.map((l) => l.split(' ').slice(0, 2).join(' ').replace(/\.\d+ /, ' ')).sort() : undefined;
    });
    expect(placed).toEqual(['api w2', 'web w1', 'web w1']);
  });

  test('the drainer drains a terminating worker through the SSM document on a manager: tasks stopped before removal, none orphaned, then the hook completes', async () => {
    const event = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'aws-events', 'eventbridge-terminate-lifecycle-action.json'), 'utf8'));
    event.detail.EC2InstanceId = w1.instanceId;
    const t0 = Date.now();
    // The handler logs one JSON line per action (CloudWatch in Lambda): captured and asserted, not printed.
    const logged: string[] = [];
    const logs = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void logged.push(String(line)));
    const result = await handler(event, { getRemainingTimeInMillis: () => 120_000 }).finally(() => logs.mockRestore());
    expect(logged).toContain(JSON.stringify({ instance: w1.instanceId, result: 'Success' }));
    figures['drainer leave of w1 (handler, end to end)'] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    expect(result.result).toBe('Success');
    const leave = [...commands.values()].find((c) => c.action === 'leave')!;
    figures['swarm-ctl leave on m1'] = `${(leave.millis! / 1000).toFixed(1)} s`;
    expect(leave.node.name).toBe('m1');
    expect(leave.result!.stderr).toMatch(new RegExp(`removed \\S+ \\(${w1.instanceId}\\)`));
    // Each web task takes ~2 s to stop after SIGTERM: the drain waited for that.
    expect(leave.millis!).toBeGreaterThanOrEqual(2000);
    expect(completions).toEqual([expect.objectContaining({ instance: w1.instanceId, containersStillRunning: 0 })]);
    const hostnames = (await lab.docker(m1, 'node', 'ls', '--format', '{{.Hostname}}')).split('\n').filter(Boolean).sort();
    expect(hostnames).toEqual(['m1', 'm2', 'm3', 'w2']);
    // Stopped by the engine (exit 0 from the trap), not killed after an orphaning.
    const exits = (await lab.docker(w1, 'ps', '-a', '--filter', 'label=com.docker.swarm.service.name=web', '--format', '{{.Status}}')).split('\n').filter(Boolean);
    for (const status of exits) expect(status).toMatch(/^Exited \(0\)/);
    const states = await lab.docker(m1, 'service', 'ps', 'web', 'spread', '--format', '{{.CurrentState}}');
    expect(states).not.toMatch(/Orphaned/);
    await Promise.all([...commands.values()].map((c) => c.done));
    // The Auto Scaling group goes on and terminates the instance.
    await lab.kill(w1);
  });

  test('a manager killed without leaving is pruned by the drainer\'s schedule, and its address is forgotten', async () => {
    await lab.docker(m1, 'swarm', 'update', '--dispatcher-heartbeat', '1s');
    const m3Address = `${app.swarm.parameterPrefix}/managers/${m3.instanceId}`;
    expect(lab.parameter(m3Address)).toBe('10.0.1.13');
    await lab.kill(m3);
    const t0 = Date.now();
    await until('m3 down in the swarm', async () => {
      const out = await lab.docker(m1, 'node', 'ls', '--format', '{{.Hostname}} {{.Status}}');
      return out.split('\n').includes('m3 Down') ? true : undefined;
    }, 90_000);
    figures['killed manager seen down'] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    const t1 = Date.now();
    const result = await handler({ 'detail-type': 'Scheduled Event', detail: {} }, { getRemainingTimeInMillis: () => 120_000 });
    expect(result.result).toBe(`prune sent; forgot ${m3.instanceId}`);
    const prune = [...commands.values()].filter((c) => c.action === 'prune').pop()!;
    await prune.done;
    figures['prune on m1'] = `${((Date.now() - t1) / 1000).toFixed(1)} s`;
    expect(prune.result!.code).toBe(0);
    expect(prune.target.split(',').sort()).toEqual([m1.instanceId, m2.instanceId, w2.instanceId].sort());
    expect(prune.result!.stderr).toMatch(new RegExp(`pruned \\S+: instance ${m3.instanceId} no longer exists`));
    expect(lab.parameter(m3Address)).toBeUndefined();
    const nodes = (await lab.docker(m1, 'node', 'ls', '--format', '{{.Hostname}} {{.ManagerStatus}}')).split('\n').filter(Boolean).sort();
    expect(nodes).toEqual([expect.stringMatching(/^m1 (Leader|Reachable)$/), expect.stringMatching(/^m2 (Leader|Reachable)$/), 'w2 ']);
  });
});
