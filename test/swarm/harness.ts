import { execFile } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';

/** Where the boot scripts live. */
export const SCRIPTS = path.join(__dirname, '..', '..', 'lib', 'swarm', 'scripts');
/** The stub commands (docker, aws, systemctl, dnf). */
export const STUBS = path.join(__dirname, 'stubs');

/** What the fake instance metadata service answers. */
export interface FakeInstance {
  readonly instanceId: string;
  readonly localIpv4: string;
  readonly region?: string;
  /** Instance tags; `undefined` = instance metadata tags disabled (IMDS answers 404). */
  readonly tags?: Record<string, string>;
}

/** A request the fake IMDS received: method, path and whether it carried a valid session token. */
export interface ImdsRequest {
  readonly method: string;
  readonly path: string;
  readonly authorized: boolean;
}

/**
 * A fake IMDSv2 endpoint on 127.0.0.1: `PUT /latest/api/token` (with the TTL header) hands out a session token,
 * every GET without that token gets 401, as on an instance that requires IMDSv2.
 */
export async function fakeImds(instance: FakeInstance, listen: { host: string; port: number } = { host: '127.0.0.1', port: 0 }): Promise<{ url: string; requests: ImdsRequest[]; close: () => Promise<void> }> {
  const token = `token-${Math.random().toString(36).slice(2)}`;
  const requests: ImdsRequest[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const authorized = req.headers['x-aws-ec2-metadata-token'] === token;
    requests.push({ method: req.method ?? '', path: url, authorized });
    const send = (status: number, body = '') => { res.writeHead(status, { 'content-type': 'text/plain' }); res.end(body); };
    if (req.method === 'PUT' && url === '/latest/api/token') {
      return req.headers['x-aws-ec2-metadata-token-ttl-seconds'] ? send(200, token) : send(400);
    }
    if (req.method !== 'GET') return send(405);
    if (!authorized) return send(401);
    const meta = '/latest/meta-data/';
    if (!url.startsWith(meta)) return send(404);
    const item = decodeURIComponent(url.slice(meta.length));
    const tags = instance.tags;
    if (item === 'instance-id') return send(200, instance.instanceId);
    if (item === 'local-ipv4') return send(200, instance.localIpv4);
    if (item === 'placement/region') return send(200, instance.region ?? 'eu-west-1');
    if (item === 'tags/instance' && tags) return send(200, Object.keys(tags).join('\n'));
    if (item.startsWith('tags/instance/') && tags) {
      const value = tags[item.slice('tags/instance/'.length)];
      return value === undefined ? send(404) : send(200, value);
    }
    return send(404);
  });
  await new Promise<void>((resolve) => server.listen(listen.port, listen.host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${listen.host}:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A temporary directory with the stub `docker`, `aws` and `systemctl`, the files they record and the outputs. */
export class StubHost {
  public readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-boot-'));
  /** The SSM parameters the stub holds, by name. */
  parameter(name: string): string | undefined {
    const file = path.join(this.dir, 'ssm', name);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  }
  /** The parameters directly under a path, by last name segment. */
  parameters(prefix: string): Record<string, string> {
    const dir = path.join(this.dir, 'ssm', prefix);
    if (!fs.existsSync(dir)) return {};
    return Object.fromEntries(fs.readdirSync(dir).filter((f) => !f.includes('.') && fs.statSync(path.join(dir, f)).isFile())
      .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  }
  parameterType(name: string): string | undefined {
    return this.read(path.join('ssm', `${name}.type`));
  }
  putParameter(name: string, value: string): void {
    const file = path.join(this.dir, 'ssm', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, value);
  }
  read(file: string): string | undefined {
    const full = path.join(this.dir, file);
    return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : undefined;
  }
  write(file: string, content: string): void {
    fs.writeFileSync(path.join(this.dir, file), content);
  }
  /** Calls of a stub command, one line each. */
  calls(command: 'docker' | 'aws' | 'systemctl' | 'dnf'): string[] {
    return (this.read(`${command}.log`) ?? '').split('\n').filter(Boolean);
  }
  cleanUp(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Result of one script run. */
export interface ScriptRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly millis: number;
}

/**
 * Runs a script with bash, the stubs first on PATH and the given environment. Asynchronous on purpose: the fake
 * IMDS server answers from this same event loop.
 */
export function runScript(script: string, host: StubHost, env: Record<string, string>, args: string[] = []): Promise<ScriptRun> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    execFile('bash', [path.join(SCRIPTS, script), ...args], {
      env: {
        PATH: `${STUBS}:${process.env.PATH}`,
        HOME: host.dir,
        STUB_DIR: host.dir,
        SWARM_DAEMON_JSON: path.join(host.dir, 'etc/docker/daemon.json'),
        SWARM_ENV_FILE: path.join(host.dir, 'etc/swarm/node.env'),
        SWARM_SYSTEMD_DIR: path.join(host.dir, 'etc/systemd/system/docker.service.d'),
        SWARM_RETRY_SECONDS: '0',
        SWARM_POLL_SECONDS: '0',
        ...env,
      },
      timeout: 30000,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, millis: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

/** Runs node-boot.sh for one instance against its own fake IMDS endpoint. */
export async function bootNode(host: StubHost, instance: FakeInstance, env: Record<string, string>): Promise<ScriptRun & { imds: ImdsRequest[] }> {
  const imds = await fakeImds(instance);
  try {
    const run = await runScript('node-boot.sh', host, {
      SWARM_IMDS_ENDPOINT: imds.url,
      SWARM_PARAMETER_PREFIX: '/swarm/test',
      ...env,
    });
    return { ...run, imds: imds.requests };
  } finally {
    await imds.close();
  }
}
