/**
 * Boot-script time on this machine: node-boot.sh (worker, and first manager with manager-boot.sh) run with bash
 * against the fake IMDSv2 endpoint on loopback and the stub docker/aws/systemctl of test/swarm. Measures the
 * script's own work (metadata reads, label and env-file generation, jq, the join calls), not dnf or the engine.
 */
import { bootNode, StubHost } from '../test/swarm/harness';

const RUNS = 20;
const FRONTEND = {
  instanceId: 'i-0123456789abcdef0',
  localIpv4: '10.0.1.23',
  tags: { 'docker.environment': 'staging', 'docker.role': 'frontend', 'example.db.host': 'db.example.internal', 'aws:autoscaling:groupName': 'g' },
};

function stats(samples: number[]): { median: number; p95: number; min: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)], min: s[0] };
}

async function measure(kind: 'worker' | 'first manager'): Promise<{ samples: number[]; imdsCalls: number }> {
  const samples: number[] = [];
  let imdsCalls = 0;
  for (let i = 0; i < RUNS; i++) {
    const host = new StubHost();
    try {
      if (kind === 'worker') {
        host.putParameter('/swarm/test/worker-token', 'SWMTKN-1-worker-token');
        host.putParameter('/swarm/test/managers/i-0aaaaaaaaaaaaaaa1', '10.0.0.10');
      }
      const run = await bootNode(host, FRONTEND, kind === 'worker'
        ? { SWARM_NODE_ROLE: 'worker', SWARM_EXPORT_TAGS: 'example.db.host=DB_HOST' }
        : { SWARM_NODE_ROLE: 'manager', SWARM_KMS_KEY_ID: 'k' });
      if (run.code !== 0) throw new Error(`${kind} boot failed: ${run.stderr}`);
      samples.push(run.millis);
      imdsCalls = run.imds.length;
    } finally {
      host.cleanUp();
    }
  }
  return { samples, imdsCalls };
}

export async function main(): Promise<string> {
  const rows = ['| Boot | runs | median ms | p95 ms | min ms | IMDS requests |', '|---|---|---|---|---|---|'];
  for (const kind of ['worker', 'first manager'] as const) {
    const { samples, imdsCalls } = await measure(kind);
    const s = stats(samples);
    rows.push(`| ${kind} | ${RUNS} | ${s.median.toFixed(0)} | ${s.p95.toFixed(0)} | ${s.min.toFixed(0)} | ${imdsCalls} |`);
  }
  return rows.join('\n');
}

if (require.main === module) main().then(console.log);
