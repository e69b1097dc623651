/**
 * Simulated EC2 instances with real Docker engines, for test/swarm/real-engine.test.ts. Every node is
 *  - a network namespace on a private bridge that itself lives in a namespace this lab creates (no route leads
 *    anywhere else: traffic stays between the namespaces made here),
 *  - a mount and UTS namespace (engine/node-shell.sh): its own /etc, /usr/local, /run and /var/lib/docker,
 *  - a fake IMDSv2 on 169.254.169.254 inside its namespace (engine/imds-server.ts), serving its id, address, tags,
 *  - the stub `aws` (test/swarm/stubs/aws) as the AWS CLI: one fake SSM Parameter Store with conditional writes
 *    and one EC2 instance list, shared by all nodes through this lab's directory,
 *  - the stub `systemctl` (stubs/engine/systemctl), which starts the node's real `dockerd`.
 * Names carry a per-run id; cleanUp() kills every process in the lab's namespaces and cgroups and deletes them.
 */
import { ChildProcess, execFile, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FakeInstance } from '../harness';

const ROOT = path.join(__dirname, '..', '..', '..');
const STUBS = path.join(__dirname, '..', 'stubs');
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const TOOLS = ['dockerd', 'docker', 'ip', 'nsenter', 'unshare', 'flock', 'jq', 'curl', 'setsid'];

/** Why this machine cannot run the real-engine suite, or undefined when it can. */
export function cannotRun(): string | undefined {
  if (process.platform !== 'linux') return `platform ${process.platform}, not Linux`;
  if (process.getuid?.() !== 0) return 'not root: network and mount namespaces need it';
  for (const tool of TOOLS) {
    if (spawnSync('bash', ['-c', `command -v ${tool}`], { env: { PATH: `${SYSTEM_PATH}:${process.env.PATH}` } }).status !== 0) {
      return `no ${tool} on PATH (Debian: apt-get install docker.io iproute2 util-linux jq curl)`;
    }
  }
  const probe = `cfprobe${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return `cannot create a network namespace: ${added.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  const unshare = spawnSync('unshare', ['-m', '-u', '--propagation', 'private', 'mount', '-t', 'tmpfs', 'tmpfs', '/mnt'], { encoding: 'utf8' });
  if (unshare.status !== 0) return `cannot create a mount namespace: ${unshare.stderr.trim()}`;
  return undefined;
}

/** Result of a process run in the lab. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly millis: number;
}

/** One simulated instance. */
export interface LabNode extends FakeInstance {
  readonly name: string;
  readonly dir: string;
  readonly netns: string;
  readonly tags: Record<string, string>;
  alive: boolean;
}

function exec(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeout?: number } = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(file, args, { env: options.env ?? { ...process.env, PATH: `${SYSTEM_PATH}:${process.env.PATH}` }, timeout: options.timeout ?? 120_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => resolve({
        code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: String(stdout), stderr: String(stderr), millis: Date.now() - started,
      }));
  });
}

async function must(file: string, args: string[]): Promise<string> {
  const run = await exec(file, args);
  if (run.code !== 0) throw new Error(`${file} ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
  return run.stdout;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class EngineLab {
  /** Unique per run and short: it prefixes namespace, interface and cgroup names. */
  public readonly id = `cf${(Date.now() % 1e8).toString(36)}`;
  public readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-engines-'));
  /** The stub AWS state shared by all nodes: SSM parameters (ssm/), EC2 instance states (ec2-instances), aws.log. */
  public readonly shared = path.join(this.dir, 'shared');
  public readonly nodes = new Map<string, LabNode>();
  private readonly bin = path.join(this.dir, 'bin');
  private readonly hub = `${this.id}-hub`;
  private readonly children: ChildProcess[] = [];
  private netnsCreated: string[] = [];

  async start(): Promise<void> {
    fs.mkdirSync(this.shared, { recursive: true });
    fs.mkdirSync(this.bin, { recursive: true });
    fs.symlinkSync(path.join(STUBS, 'aws'), path.join(this.bin, 'aws'));
    fs.symlinkSync(path.join(STUBS, 'engine', 'systemctl'), path.join(this.bin, 'systemctl'));
    await must('ip', ['netns', 'add', this.hub]);
    this.netnsCreated.push(this.hub);
    await must('ip', ['-n', this.hub, 'link', 'add', 'br0', 'type', 'bridge']);
    await must('ip', ['-n', this.hub, 'link', 'set', 'br0', 'up']);
  }

  /** Creates the node's namespace, its link to the bridge and its fake IMDS; registers it as running in EC2. */
  async addNode(name: string, instance: { instanceId: string; localIpv4: string; tags: Record<string, string> }): Promise<LabNode> {
    const index = this.nodes.size;
    const node: LabNode = { ...instance, name, region: 'eu-west-1', dir: path.join(this.dir, name), netns: `${this.id}-${name}`, alive: true };
    fs.mkdirSync(node.dir, { recursive: true });
    await must('ip', ['netns', 'add', node.netns]);
    this.netnsCreated.push(node.netns);
    const hubEnd = `${this.id}v${index}`;
    await must('ip', ['link', 'add', hubEnd, 'netns', this.hub, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns]);
    await must('ip', ['-n', this.hub, 'link', 'set', hubEnd, 'master', 'br0', 'up']);
    await must('ip', ['-n', node.netns, 'addr', 'add', `${node.localIpv4}/24`, 'dev', 'eth0']);
    await must('ip', ['-n', node.netns, 'link', 'set', 'eth0', 'up']);
    await must('ip', ['-n', node.netns, 'link', 'set', 'lo', 'up']);
    // The metadata address, on the node's own loopback: only this node reaches its IMDS.
    await must('ip', ['-n', node.netns, 'addr', 'add', '169.254.169.254/32', 'dev', 'lo']);
    await this.startImds(node);
    this.nodes.set(name, node);
    this.writeEc2();
    return node;
  }

  private startImds(node: LabNode): Promise<void> {
    const child = spawn('nsenter', [`--net=/run/netns/${node.netns}`, process.execPath, '-r', 'sucrase/register', path.join(__dirname, 'imds-server.ts'),
      JSON.stringify({ instanceId: node.instanceId, localIpv4: node.localIpv4, region: node.region, tags: node.tags })], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    return new Promise((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d) => { err += d; });
      child.stdout!.on('data', (d) => { if (String(d).includes('ready')) resolve(); });
      child.on('exit', (code) => reject(new Error(`fake IMDS of ${node.name} exited (${code}): ${err}`)));
    });
  }

  /** The EC2 view of the stub `aws`: every lab instance, running or terminated. */
  private writeEc2(): void {
    const lines = [...this.nodes.values()].map((n) => `${n.instanceId} ${n.alive ? 'running' : 'terminated'}`);
    fs.writeFileSync(path.join(this.shared, 'ec2-instances'), `${lines.join('\n')}\n`);
  }

  /**
   * Runs user data on the node as cloud-init would (bash, root), in its namespaces, with the stub aws and systemctl
   * first on PATH. `env` adds settings only a test needs (shorter retry intervals).
   */
  boot(node: LabNode, userData: string, env: Record<string, string> = {}): Promise<Run> {
    const file = path.join(node.dir, 'user-data');
    fs.writeFileSync(file, userData, { mode: 0o755 });
    return exec('nsenter', [`--net=/run/netns/${node.netns}`, 'unshare', '-m', '-u', '--propagation', 'private',
      'bash', path.join(__dirname, 'node-shell.sh'), node.dir, file], {
      env: {
        PATH: `${this.bin}:${SYSTEM_PATH}`,
        HOME: '/root',
        NODE_NAME: node.name,
        STUB_DIR: this.shared,
        ENGINE_LOG: path.join(node.dir, 'dockerd.log'),
        ENGINE_CGROUP_PARENT: `/${this.cgroup(node)}`,
        ...env,
      },
      timeout: 170_000,
    });
  }

  private cgroup(node: LabNode): string {
    return `${this.id}-${node.name}`;
  }

  /** Processes in the node's network namespace (its engine, containerd, shims, IMDS, boot shell). */
  private async netnsPids(netns: string): Promise<number[]> {
    const run = await exec('ip', ['netns', 'pids', netns]);
    return run.stdout.split(/\s+/).filter(Boolean).map(Number);
  }

  /** The pid of the node's dockerd, whose namespaces every command on the node enters. */
  async enginePid(node: LabNode): Promise<number> {
    for (const pid of await this.netnsPids(node.netns)) {
      try {
        if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd') return pid;
      } catch {
        // gone meanwhile
      }
    }
    throw new Error(`no dockerd runs on ${node.name}`);
  }

  /** Runs a command inside the node (its mount, network and UTS namespaces), as root. */
  async onNode(node: LabNode, command: string[], env: Record<string, string> = {}): Promise<Run> {
    const pid = await this.enginePid(node);
    return exec('nsenter', ['-t', String(pid), '-m', '-n', '-u', ...command], {
      env: { PATH: `${this.bin}:${SYSTEM_PATH}`, HOME: '/root', STUB_DIR: this.shared, ...env },
    });
  }

  /** `docker …` on the node; throws on failure. */
  async docker(node: LabNode, ...args: string[]): Promise<string> {
    const run = await this.onNode(node, ['docker', ...args]);
    if (run.code !== 0) throw new Error(`docker ${args.join(' ')} on ${node.name} failed: ${run.stderr}`);
    return run.stdout;
  }

  async dockerJson<T = any>(node: LabNode, ...args: string[]): Promise<T> {
    return JSON.parse(await this.docker(node, ...args));
  }

  /** Imports a tiny image (sh and sleep with their libraries) into the node's engine: no registry is reachable. */
  async importTinyImage(node: LabNode, name: string): Promise<void> {
    const root = path.join(this.dir, 'image');
    if (!fs.existsSync(root)) {
      const files = new Set<string>();
      for (const bin of ['/bin/sh', '/bin/sleep']) {
        const real = fs.realpathSync(bin);
        files.add(real);
        const ldd = spawnSync('ldd', [real], { encoding: 'utf8' }).stdout;
        for (const m of ldd.matchAll(/(\/\S+)\s+\(0x/g)) files.add(m[1]);
      }
      for (const file of files) {
        fs.mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
        fs.copyFileSync(file, path.join(root, file));
        fs.chmodSync(path.join(root, file), 0o755);
      }
      // /bin may be a link to /usr/bin on the host (merged /usr); the image gets a plain /bin.
      fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
      for (const bin of ['/bin/sh', '/bin/sleep']) {
        const target = path.join(root, bin);
        if (!fs.existsSync(target)) fs.copyFileSync(fs.realpathSync(bin), target);
        fs.chmodSync(target, 0o755);
      }
    }
    const run = await this.onNode(node, ['bash', '-c', `tar -C ${root} -c . | docker import - ${name}`]);
    if (run.code !== 0) throw new Error(`docker import on ${node.name} failed: ${run.stderr}`);
  }

  /** The instance vanishes: every process of the node is killed at once (no leave, no drain); EC2 says terminated. */
  async kill(node: LabNode): Promise<void> {
    node.alive = false;
    this.writeEc2();
    for (let attempt = 0; attempt < 50; attempt++) {
      const pids = [...await this.netnsPids(node.netns), ...this.cgroupPids(node)];
      if (pids.length === 0) break;
      for (const pid of pids) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      }
      await sleep(100);
    }
    this.removeCgroups(node);
  }

  /** Container processes live in their own namespaces; the engine puts them under the node's cgroup parent. */
  private cgroupDirs(node: LabNode): string[] {
    const base = '/sys/fs/cgroup';
    const name = this.cgroup(node);
    const candidates = [path.join(base, name)];
    try {
      for (const controller of fs.readdirSync(base)) candidates.push(path.join(base, controller, name));
    } catch {
      // no cgroup file system: nothing to find
    }
    return candidates.filter((dir) => fs.existsSync(dir));
  }

  private cgroupPids(node: LabNode): number[] {
    const pids: number[] = [];
    const walk = (dir: string) => {
      try {
        pids.push(...fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(path.join(dir, entry.name));
      } catch {
        // removed meanwhile
      }
    };
    this.cgroupDirs(node).forEach(walk);
    return pids;
  }

  private removeCgroups(node: LabNode): void {
    const remove = (dir: string) => {
      try {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) remove(path.join(dir, entry.name));
        fs.rmdirSync(dir);
      } catch {
        // busy or gone: best effort
      }
    };
    this.cgroupDirs(node).forEach(remove);
  }

  /** The SSM parameter names directly under a path, in the shared fake store. */
  parameterNames(prefix: string): string[] {
    const dir = path.join(this.shared, 'ssm', prefix);
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((f) => !f.includes('.') && fs.statSync(path.join(dir, f)).isFile()).map((f) => `${prefix}/${f}`);
  }

  parameter(name: string): string | undefined {
    const file = path.join(this.shared, 'ssm', name);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  }

  /** Deletes a parameter; false when it did not exist (SSM: ParameterNotFound). */
  deleteParameter(name: string): boolean {
    const file = path.join(this.shared, 'ssm', name);
    if (!fs.existsSync(file)) return false;
    fs.rmSync(file);
    fs.rmSync(`${file}.type`, { force: true });
    return true;
  }

  /** Kills every process this lab started and deletes its namespaces, cgroups and files. Safe to call twice. */
  async cleanUp(): Promise<void> {
    for (const node of this.nodes.values()) await this.kill(node);
    for (const child of this.children) child.kill('SIGKILL');
    for (const netns of this.netnsCreated.reverse()) {
      for (const pid of await this.netnsPids(netns)) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
      await exec('ip', ['netns', 'del', netns]);
    }
    this.netnsCreated = [];
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Namespaces of this run that still exist (for the cleanup assertion). */
  async leftovers(): Promise<string[]> {
    const run = await exec('ip', ['netns', 'list']);
    return run.stdout.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(`${this.id}-`));
  }
}
