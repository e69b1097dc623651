import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bootNode, StubHost, runScript, STUBS } from './harness';

// The write-up's example node: a staging frontend that exports the database host.
const FRONTEND = {
  instanceId: 'i-0123456789abcdef0',
  localIpv4: '10.0.1.23',
  tags: {
    'docker.environment': 'staging',
    'docker.role': 'frontend',
    'example.db.host': 'db.example.internal',
    'aws:autoscaling:groupName': 'Swarm-Frontend-ASG',
    'swarm:cluster': 'test',
  },
};
const WORKER_ENV = { SWARM_NODE_ROLE: 'worker', SWARM_EXPORT_TAGS: 'example.db.host=DB_HOST' };

describe('node-boot.sh (worker) against a fake IMDSv2 endpoint and stub docker/aws', () => {
  let host: StubHost;
  beforeEach(() => {
    host = new StubHost();
    host.putParameter('/swarm/test/worker-token', 'SWMTKN-1-worker-token');
    host.putParameter('/swarm/test/managers/i-0aaaaaaaaaaaaaaa1', '10.0.0.10');
  });
  afterEach(() => host.cleanUp());

  test('the write-up example: docker.* tags become engine labels, example.db.host becomes DB_HOST', async () => {
    const run = await bootNode(host, FRONTEND, WORKER_ENV);
    expect(run.stderr).toContain('joined the swarm');
    expect(run.code).toBe(0);
    const daemon = JSON.parse(host.read('etc/docker/daemon.json')!);
    expect(daemon.labels).toEqual(['environment=staging', 'fleet.instance-id=i-0123456789abcdef0', 'role=frontend']);
    expect(daemon['registry-mirrors']).toBeUndefined();
    expect(host.read('etc/swarm/node.env')).toBe('DB_HOST=db.example.internal\n');
  });

  test('joins with the exact command: own address advertised, worker token, first registered manager on 2377', async () => {
    await bootNode(host, FRONTEND, WORKER_ENV);
    const joins = host.calls('docker').filter((c) => c.startsWith('swarm join '));
    expect(joins).toEqual(['swarm join --advertise-addr 10.0.1.23 --token SWMTKN-1-worker-token 10.0.0.10:2377']);
  });

  test('reads metadata through IMDSv2 only: a session token first, every GET carries it', async () => {
    const run = await bootNode(host, FRONTEND, WORKER_ENV);
    expect(run.imds[0]).toEqual({ method: 'PUT', path: '/latest/api/token', authorized: false });
    const gets = run.imds.slice(1);
    expect(gets.length).toBeGreaterThan(3);
    expect(gets.every((r) => r.method === 'GET' && r.authorized)).toBe(true);
    expect(gets.map((r) => r.path)).toEqual(expect.arrayContaining([
      '/latest/meta-data/tags/instance',
      '/latest/meta-data/tags/instance/docker.role',
      '/latest/meta-data/tags/instance/example.db.host',
    ]));
  });

  test('writes registry mirrors and insecure registries into daemon.json, keeping settings already there', async () => {
    fs.mkdirSync(`${host.dir}/etc/docker`, { recursive: true });
    host.write('etc/docker/daemon.json', JSON.stringify({ 'log-driver': 'journald', labels: ['stale=1'] }));
    await bootNode(host, FRONTEND, {
      ...WORKER_ENV,
      SWARM_REGISTRY_MIRRORS: 'https://mirror.example.internal https://mirror2.example.internal',
      SWARM_INSECURE_REGISTRIES: 'registry.qa.internal:5000',
    });
    const daemon = JSON.parse(host.read('etc/docker/daemon.json')!);
    expect(daemon).toEqual({
      'log-driver': 'journald',
      labels: ['environment=staging', 'fleet.instance-id=i-0123456789abcdef0', 'role=frontend'],
      'registry-mirrors': ['https://mirror.example.internal', 'https://mirror2.example.internal'],
      'insecure-registries': ['registry.qa.internal:5000'],
    });
  });

  test('hands the environment file to the engine through a systemd drop-in and starts the engine', async () => {
    await bootNode(host, FRONTEND, WORKER_ENV);
    expect(host.read('etc/systemd/system/docker.service.d/swarm-node-env.conf'))
      .toBe(`[Service]\nEnvironmentFile=-${host.dir}/etc/swarm/node.env\n`);
    expect(host.calls('systemctl')).toEqual(['daemon-reload', 'enable --now docker']);
  });

  test('escapes label values for JSON and exports several tags sorted by variable name', async () => {
    const run = await bootNode(host, {
      ...FRONTEND,
      tags: { ...FRONTEND.tags, 'docker.team': 'a "quoted" team', 'example.queue.host': 'mq.example.internal' },
    }, { ...WORKER_ENV, SWARM_EXPORT_TAGS: 'example.queue.host=QUEUE_HOST example.db.host=DB_HOST' });
    expect(run.code).toBe(0);
    expect(JSON.parse(host.read('etc/docker/daemon.json')!).labels).toContain('team=a "quoted" team');
    expect(host.read('etc/swarm/node.env')).toBe('DB_HOST=db.example.internal\nQUEUE_HOST=mq.example.internal\n');
  });

  test('skips docker.* tags that are not valid label names and exported tags the instance does not carry', async () => {
    const run = await bootNode(host, { ...FRONTEND, tags: { ...FRONTEND.tags, 'docker.Bad_Name': 'x', 'docker.fleet.instance-id': 'spoof' } },
      { ...WORKER_ENV, SWARM_EXPORT_TAGS: 'example.db.host=DB_HOST example.missing=MISSING' });
    expect(run.code).toBe(0);
    expect(JSON.parse(host.read('etc/docker/daemon.json')!).labels).toEqual(['environment=staging', 'fleet.instance-id=i-0123456789abcdef0', 'role=frontend']);
    expect(run.stderr).toMatch(/skipping tag 'docker.Bad_Name'/);
    expect(run.stderr).toMatch(/tag 'example.missing' is not on this instance; MISSING is not exported/);
    expect(host.read('etc/swarm/node.env')).toBe('DB_HOST=db.example.internal\n');
  });

  test('tries the next registered manager when the first does not answer', async () => {
    host.putParameter('/swarm/test/managers/i-0aaaaaaaaaaaaaaa2', '10.0.0.11');
    host.write('unreachable', '10.0.0.10:2377\n');
    const run = await bootNode(host, FRONTEND, WORKER_ENV);
    expect(run.code).toBe(0);
    expect(host.calls('docker').filter((c) => c.startsWith('swarm join '))).toEqual([
      'swarm join --advertise-addr 10.0.1.23 --token SWMTKN-1-worker-token 10.0.0.10:2377',
      'swarm join --advertise-addr 10.0.1.23 --token SWMTKN-1-worker-token 10.0.0.11:2377',
    ]);
  });

  test('gives up with a clear message when the worker token never appears', async () => {
    const empty = new StubHost();
    try {
      const run = await bootNode(empty, FRONTEND, { ...WORKER_ENV, SWARM_JOIN_TIMEOUT: '0' });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/parameter \/swarm\/test\/worker-token did not appear within 0s/);
      expect(empty.calls('docker').some((c) => c.startsWith('swarm join'))).toBe(false);
    } finally {
      empty.cleanUp();
    }
  });

  // Finding 4: `join_swarm "$(wait_for_parameter …)"` — set -e does not stop on a failure inside the argument, so
  // the node tried to join with an empty token for another JOIN_TIMEOUT.
  test.each([['never appears', undefined], ['is empty', '']])('a worker token that %s fails the boot within the join timeout, never joining with an empty token',
    async (_case, value) => {
      host.cleanUp();
      host = new StubHost();
      host.putParameter('/swarm/test/managers/i-0aaaaaaaaaaaaaaa1', '10.0.0.10');
      if (value !== undefined) host.putParameter('/swarm/test/worker-token', value);
      const run = await bootNode(host, FRONTEND, { ...WORKER_ENV, SWARM_JOIN_TIMEOUT: '1', SWARM_RETRY_SECONDS: '0.2' });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/giving up: no join token in \/swarm\/test\/worker-token/);
      expect(host.calls('docker').filter((c) => c.startsWith('swarm join'))).toEqual([]);
      expect(run.millis).toBeLessThan(15000); // one JOIN_TIMEOUT plus a loaded machine; never a second wait
    });

  // Finding 6: the scripts need jq, which not every Amazon Linux 2023 image ships.
  test('installs jq with dnf when the image lacks it, then boots normally', async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-nojq-'));
    try {
      for (const tool of ['bash', 'curl', 'cat', 'mkdir', 'chmod', 'mv', 'sort', 'grep', 'dirname', 'sleep', 'rm', 'printf', 'flock', 'awk', 'ln']) {
        const real = execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
        if (real.startsWith('/')) fs.symlinkSync(real, path.join(bin, tool));
      }
      const realJq = execFileSync('bash', ['-c', 'command -v jq'], { encoding: 'utf8' }).trim();
      const run = await bootNode(host, FRONTEND, {
        ...WORKER_ENV, PATH: `${STUBS}:${bin}`, STUB_JQ_BIN: bin, STUB_REAL_JQ: realJq,
      });
      expect(run.stderr).toContain('jq is missing: installing it');
      expect(host.calls('dnf')).toEqual(['install -y jq']);
      expect(run.code).toBe(0);
      expect(JSON.parse(host.read('etc/docker/daemon.json')!).labels).toContain('role=frontend');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  test('fails fast when instance metadata tags are disabled', async () => {
    const run = await bootNode(host, { instanceId: 'i-1', localIpv4: '10.0.1.5' }, WORKER_ENV);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/instance metadata tags must be enabled/);
  });

  test('does nothing more when the engine is already in a swarm (a re-run)', async () => {
    const run = await bootNode(host, FRONTEND, { ...WORKER_ENV, STUB_SWARM_STATE: 'active' });
    expect(run.code).toBe(0);
    expect(host.calls('docker').some((c) => c.startsWith('swarm '))).toBe(false);
  });
});

describe('node-boot.sh + manager-boot.sh: bootstrap without a human', () => {
  let host: StubHost;
  const manager = (n: number) => ({ instanceId: `i-0aaaaaaaaaaaaaa${n}`, localIpv4: `10.0.0.${10 + n}`, tags: { 'docker.role': 'manager' } });
  const MANAGER_ENV = { SWARM_NODE_ROLE: 'manager', SWARM_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:111111111111:key/k' };
  beforeEach(() => { host = new StubHost(); });
  afterEach(() => host.cleanUp());

  test('the first manager takes the lock, initialises the swarm and stores both tokens as SecureStrings with the KMS key', async () => {
    const run = await bootNode(host, manager(1), MANAGER_ENV);
    expect(run.code).toBe(0);
    expect(host.parameter('/swarm/test/init-lock')).toBe('i-0aaaaaaaaaaaaaa1');
    expect(host.calls('docker')).toContain('swarm init --advertise-addr 10.0.0.11');
    for (const kind of ['worker', 'manager']) {
      expect(host.parameter(`/swarm/test/${kind}-token`)).toBe(`SWMTKN-1-${kind}-token`);
      expect(host.parameterType(`/swarm/test/${kind}-token`)).toBe('SecureString');
    }
    expect(host.calls('aws')).toContain(
      'ssm put-parameter --name /swarm/test/worker-token --type SecureString --key-id arn:aws:kms:eu-west-1:111111111111:key/k --overwrite --value SWMTKN-1-worker-token');
    expect(host.parameter('/swarm/test/managers/i-0aaaaaaaaaaaaaa1')).toBe('10.0.0.11');
    // Managers do not run service tasks by default.
    expect(host.calls('docker')).toContain('node update --availability drain node-self');
  });

  test('later managers lose the lock (ParameterAlreadyExists), join with the manager token and register', async () => {
    await bootNode(host, manager(1), MANAGER_ENV);
    const run = await bootNode(host, manager(2), { ...MANAGER_ENV, SWARM_MANAGERS_ACCEPT_TASKS: 'true' });
    expect(run.code).toBe(0);
    const docker = host.calls('docker');
    expect(docker.filter((c) => c.startsWith('swarm init'))).toHaveLength(1);
    expect(docker).toContain('swarm join --advertise-addr 10.0.0.12 --token SWMTKN-1-manager-token 10.0.0.11:2377');
    expect(host.parameter('/swarm/test/init-lock')).toBe('i-0aaaaaaaaaaaaaa1');
    expect(host.parameter('/swarm/test/managers/i-0aaaaaaaaaaaaaa2')).toBe('10.0.0.12');
    expect(docker.filter((c) => c.startsWith('node update'))).toHaveLength(1);
  });

  test('a throttled lock attempt is retried, never mistaken for a lost lock', async () => {
    host.write('aws-fail', 'ThrottlingException');
    const run = await bootNode(host, manager(1), MANAGER_ENV);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/bootstrap lock: .*ThrottlingException/);
    expect(host.calls('docker')).toContain('swarm init --advertise-addr 10.0.0.11');
  });

  // Finding 3: `swarm init` without --default-addr-pool puts the ingress network at 10.0.0.0/24, inside a default VPC.
  test('the first manager initialises the swarm with the overlay address pool of its settings', async () => {
    const run = await bootNode(host, manager(1), { ...MANAGER_ENV, SWARM_DEFAULT_ADDR_POOL: '10.255.0.0/16', SWARM_DEFAULT_ADDR_POOL_MASK_LENGTH: '24' });
    expect(run.code).toBe(0);
    expect(host.calls('docker')).toContain('swarm init --advertise-addr 10.0.0.11 --default-addr-pool 10.255.0.0/16 --default-addr-pool-mask-length 24');
  });

  describe('recovery after losing every manager (finding 5)', () => {
    /** What a lost swarm leaves in SSM: the lock of a dead manager, old tokens, addresses nobody answers on. */
    const lostSwarm = () => {
      host.putParameter('/swarm/test/init-lock', 'i-0dead00000000001');
      host.putParameter('/swarm/test/manager-token', 'SWMTKN-1-old-manager-token');
      host.putParameter('/swarm/test/worker-token', 'SWMTKN-1-old-worker-token');
      host.putParameter('/swarm/test/managers/i-0dead00000000001', '10.0.0.1');
      host.putParameter('/swarm/test/managers/i-0dead00000000002', '10.0.0.2');
      host.write('unreachable', '10.0.0.1:2377\n10.0.0.2:2377\n');
      // One terminated, one long gone (DescribeInstances: InvalidInstanceID.NotFound).
      host.write('ec2-instances', 'i-0dead00000000001 terminated\n');
    };
    // The lost swarm's lock was written just now: count it as old enough.
    const FAST = { ...MANAGER_ENV, SWARM_JOIN_TIMEOUT: '20', SWARM_RETRY_SECONDS: '0.2', SWARM_STALE_LOCK_SECONDS: '0' };

    test('a replacement manager detects the stale lock against EC2 and starts a new swarm in its place', async () => {
      lostSwarm();
      const run = await bootNode(host, manager(5), FAST);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/recovery: the lock holder i-0dead00000000001 and every registered manager are gone/);
      expect(host.calls('docker')).toContain('swarm init --advertise-addr 10.0.0.15');
      expect(host.parameter('/swarm/test/init-lock')).toBe('i-0aaaaaaaaaaaaaa5');
      expect(host.parameter('/swarm/test/recovery-lock/i-0dead00000000001')).toBe('i-0aaaaaaaaaaaaaa5');
      expect(host.parameter('/swarm/test/manager-token')).toBe('SWMTKN-1-manager-token');
      expect(host.parameter('/swarm/test/managers/i-0dead00000000001')).toBeUndefined();
      expect(host.parameter('/swarm/test/managers/i-0dead00000000002')).toBeUndefined();
      expect(host.parameter('/swarm/test/managers/i-0aaaaaaaaaaaaaa5')).toBe('10.0.0.15');
    });

    test('three replacement managers racing: exactly one starts the new swarm, the others join it', async () => {
      lostSwarm();
      host.write('ec2-instances', 'i-0dead00000000001 terminated\ni-0aaaaaaaaaaaaaa5 running\ni-0aaaaaaaaaaaaaa6 running\ni-0aaaaaaaaaaaaaa7 running\n');
      // Each its own files (one stub host stands for three instances); SSM and the swarm are shared.
      const own = (n: number) => ({
        SWARM_DAEMON_JSON: `${host.dir}/m${n}/daemon.json`, SWARM_ENV_FILE: `${host.dir}/m${n}/node.env`, SWARM_SYSTEMD_DIR: `${host.dir}/m${n}/systemd`,
      });
      const runs = await Promise.all([5, 6, 7].map((n) => bootNode(host, manager(n), { ...FAST, ...own(n) })));
      expect(runs.map((r) => r.code === 0 ? 0 : r.stderr)).toEqual([0, 0, 0]);
      expect(host.calls('docker').filter((c) => c.startsWith('swarm init'))).toHaveLength(1);
      const joins = host.calls('docker').filter((c) => c.startsWith('swarm join') && c.includes('SWMTKN-1-manager-token'));
      expect(joins).toHaveLength(2);
      expect(Object.keys(host.parameters('/swarm/test/managers')).sort()).toEqual(['i-0aaaaaaaaaaaaaa5', 'i-0aaaaaaaaaaaaaa6', 'i-0aaaaaaaaaaaaaa7']);
    });

    test('a lock holder that is still running is never taken over: the manager waits, then gives up clearly', async () => {
      lostSwarm();
      host.write('ec2-instances', 'i-0dead00000000001 running\n');
      const run = await bootNode(host, manager(5), { ...FAST, SWARM_JOIN_TIMEOUT: '1' });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/giving up: could not join through any registered manager within 1s/);
      expect(host.calls('docker').some((c) => c.startsWith('swarm init'))).toBe(false);
      expect(host.parameter('/swarm/test/init-lock')).toBe('i-0dead00000000001');
    });

    test('a fresh lock is never taken over, even when EC2 does not list its holder yet (eventual consistency)', async () => {
      lostSwarm();
      const run = await bootNode(host, manager(5), { ...FAST, SWARM_JOIN_TIMEOUT: '1', SWARM_STALE_LOCK_SECONDS: '300' });
      expect(run.code).toBe(1);
      expect(host.calls('docker').some((c) => c.startsWith('swarm init'))).toBe(false);
    });

    test('an EC2 error counts as alive: a throttled DescribeInstances never starts a second swarm', async () => {
      lostSwarm();
      host.write('ec2-instances', 'i-0dead00000000001 error:RequestLimitExceeded\n');
      const run = await bootNode(host, manager(5), { ...FAST, SWARM_JOIN_TIMEOUT: '1' });
      expect(run.code).toBe(1);
      expect(host.calls('docker').some((c) => c.startsWith('swarm init'))).toBe(false);
    });
  });

  test('a worker booted after the first manager joins through it', async () => {
    await bootNode(host, manager(1), MANAGER_ENV);
    const run = await bootNode(host, FRONTEND, WORKER_ENV);
    expect(run.code).toBe(0);
    expect(host.calls('docker')).toContain('swarm join --advertise-addr 10.0.1.23 --token SWMTKN-1-worker-token 10.0.0.11:2377');
  });
});

describe('swarm-ctl.sh on a manager', () => {
  let host: StubHost;
  const node = (id: string, instance: string, extra: { role?: string; state?: string; labels?: Record<string, string> } = {}) => ({
    ID: id,
    Spec: { Role: extra.role ?? 'worker', Labels: {} },
    Status: { State: extra.state ?? 'ready' },
    Description: { Engine: { Labels: { 'fleet.instance-id': instance, ...extra.labels } } },
  });
  const service = (id: string, constraints?: string[], replicated = true) => ({
    ID: id,
    Spec: { Name: `svc-${id}`, Mode: replicated ? { Replicated: { Replicas: 2 } } : { Global: {} }, TaskTemplate: { Placement: constraints ? { Constraints: constraints } : {} } },
  });
  beforeEach(() => { host = new StubHost(); });
  afterEach(() => host.cleanUp());

  const run = (...args: string[]) => runScript('swarm-ctl.sh', host, { SWARM_READY_TIMEOUT: '0', SWARM_DRAIN_TIMEOUT: '5', SWARM_PARAMETER_PREFIX: '/swarm/test' }, args);

  test('leave drains the node, waits until its tasks have really stopped, then removes it', async () => {
    host.write('nodes.json', JSON.stringify([node('n1', 'i-1'), node('n2', 'i-2')]));
    host.write('tasks-n2', '2');
    const result = await run('leave', 'i-2');
    expect(result.code).toBe(0);
    const calls = host.calls('docker').filter((c) => /^node (update|rm)|^inspect --type task/.test(c));
    expect(calls).toEqual([
      'node update --availability drain n2',
      'inspect --type task task-n2',
      'inspect --type task task-n2',
      'inspect --type task task-n2',
      'node rm --force n2',
    ]);
  });

  // Finding 1: draining flips the desired state to Shutdown at once, so waiting on desired-state=running never
  // waited; the node was removed while its containers still ran (tasks Orphaned, killed 10 s later).
  test('leave waits on the tasks\' current state, not their desired state, so none is left running at removal', async () => {
    host.write('nodes.json', JSON.stringify([node('n1', 'i-1'), node('n2', 'i-2')]));
    host.write('tasks-n2', '3');
    await run('leave', 'i-2');
    expect(host.read('removed')).toBe('n2 running=0\n');
  });

  test('leave gives up waiting after the drain timeout and says so', async () => {
    host.write('nodes.json', JSON.stringify([node('n1', 'i-1'), node('n2', 'i-2')]));
    host.write('tasks-n2', '100000');
    const result = await runScript('swarm-ctl.sh', host, { SWARM_DRAIN_TIMEOUT: '1', SWARM_POLL_SECONDS: '0.2' }, ['leave', 'i-2']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/1 tasks still on n2 after 1s: removing it anyway/);
    expect(result.millis).toBeLessThan(15000);
    expect(host.read('removed')).toMatch(/^n2 running=\d+/);
  });

  test('leave does not wait for a node that is down: it cannot stop its tasks', async () => {
    host.write('nodes.json', JSON.stringify([node('n1', 'i-1'), node('n2', 'i-2', { state: 'down' })]));
    host.write('tasks-n2', '100000');
    const result = await runScript('swarm-ctl.sh', host, { SWARM_DRAIN_TIMEOUT: '30', SWARM_POLL_SECONDS: '1' }, ['leave', 'i-2']);
    expect(result.stderr).toMatch(/n2 is down: not waiting/);
    expect(result.millis).toBeLessThan(20000);
  });

  test('leave demotes a manager before draining and removing it, then forgets its address', async () => {
    host.write('nodes.json', JSON.stringify([node('m1', 'i-1', { role: 'manager' }), node('m2', 'i-2', { role: 'manager' })]));
    host.putParameter('/swarm/test/managers/i-1', '10.0.0.11');
    host.putParameter('/swarm/test/managers/i-2', '10.0.0.12');
    await run('leave', 'i-2');
    const calls = host.calls('docker').filter((c) => /^node (demote|update|rm)/.test(c));
    expect(calls).toEqual(['node demote m2', 'node update --availability drain m2', 'node rm --force m2']);
    expect(host.parameter('/swarm/test/managers/i-2')).toBeUndefined();
    expect(host.parameter('/swarm/test/managers/i-1')).toBe('10.0.0.11');
  });

  test('leave of an instance that never joined changes nothing', async () => {
    host.write('nodes.json', JSON.stringify([node('n1', 'i-1')]));
    const result = await run('leave', 'i-9');
    expect(result.code).toBe(0);
    expect(host.calls('docker').some((c) => /^node (update|rm)/.test(c))).toBe(false);
  });

  test('prune removes only down nodes whose instance is not live, demoting dead managers first', async () => {
    host.write('nodes.json', JSON.stringify([
      node('alive', 'i-1'),
      node('down-live', 'i-2', { state: 'down' }),
      node('down-gone', 'i-3', { state: 'down' }),
      node('down-gone-mgr', 'i-4', { state: 'down', role: 'manager' }),
      { ...node('foreign', '', { state: 'down' }), Description: { Engine: { Labels: {} } } },
    ]));
    await run('prune', 'i-1,i-2');
    expect(host.calls('docker').filter((c) => /^node (demote|rm)/.test(c))).toEqual([
      'node rm --force down-gone', 'node demote down-gone-mgr', 'node rm --force down-gone-mgr',
    ]);
  });

  // Finding 2: only the terminate path forgot a manager; a pruned one stayed registered and joiners dialled it first.
  test('prune forgets the manager address of a pruned manager, and keeps the live ones', async () => {
    host.write('nodes.json', JSON.stringify([
      node('m1', 'i-1', { role: 'manager' }),
      node('m3', 'i-3', { role: 'manager', state: 'down' }),
    ]));
    host.putParameter('/swarm/test/managers/i-1', '10.0.0.11');
    host.putParameter('/swarm/test/managers/i-3', '10.0.0.13');
    const result = await run('prune', 'i-1');
    expect(result.code).toBe(0);
    expect(host.parameter('/swarm/test/managers/i-3')).toBeUndefined();
    expect(host.parameter('/swarm/test/managers/i-1')).toBe('10.0.0.11');
    expect(result.stderr).toContain('forgot the manager address of i-3');
  });

  test('rebalance force-updates the replicated services whose constraints the new node satisfies', async () => {
    host.write('nodes.json', JSON.stringify([node('new', 'i-5', { labels: { role: 'web', environment: 'staging' } })]));
    host.write('services.json', JSON.stringify([
      service('a', ['engine.labels.role==web']),
      service('b', ['engine.labels.role == db']),
      service('c'),
      service('d', ['engine.labels.role==web', 'engine.labels.environment!=production', 'node.role==worker']),
      service('e', ['node.hostname==somewhere']),
      service('f', undefined, false),
    ]));
    const result = await run('rebalance', 'i-5');
    expect(result.code).toBe(0);
    expect(host.calls('docker').filter((c) => c.startsWith('service update'))).toEqual([
      'service update --force --detach svc-a', 'service update --force --detach svc-c', 'service update --force --detach svc-d',
    ]);
  });

  test('rebalance gives up quietly when the node never becomes ready', async () => {
    host.write('nodes.json', JSON.stringify([node('new', 'i-5', { state: 'down' })]));
    const result = await run('rebalance', 'i-5');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/did not join within 0s/);
    expect(host.calls('docker').some((c) => c.startsWith('service update'))).toBe(false);
  });
});
