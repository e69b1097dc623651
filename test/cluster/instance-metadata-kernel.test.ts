/**
 * The metadata block on the real kernel: test/cluster/netns/imds-lab.sh builds a host, a bridge container and the
 * metadata addresses in network namespaces of its own (and deletes them), runs lib/cluster/scripts/
 * block-instance-metadata.sh in the host namespace, and probes both addresses from the container. Needs root,
 * `ip netns` and iptables (Debian's iptables, which docker.io in .ci/run brings); otherwise it says so and skips.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const LAB = path.join(__dirname, 'netns', 'imds-lab.sh');
const SCRIPT = path.join(__dirname, '..', '..', 'lib', 'cluster', 'scripts', 'block-instance-metadata.sh');

function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['ip', 'iptables', 'timeout']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  const ns = `fleet-imds-probe-${process.pid}`;
  const probe = spawnSync('ip', ['netns', 'add', ns]);
  if (probe.status !== 0) return `cannot create network namespaces (${probe.stderr.toString().trim()})`;
  try {
    const filter = spawnSync('ip', ['netns', 'exec', ns, 'iptables', '-w', '-n', '-L', 'FORWARD']);
    if (filter.status !== 0) return `cannot use iptables in a network namespace (${filter.stderr.toString().trim()})`;
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
  return undefined;
}

const reason = cannotRun();
if (reason) console.warn(`\n*** SKIPPED test/cluster/instance-metadata-kernel.test.ts: ${reason}. ***\n`);
const describeKernel = reason ? describe.skip : describe;

describeKernel('block-instance-metadata.sh on the real kernel (network namespaces)', () => {
  let lines: string[];
  beforeAll(() => {
    const run = spawnSync('bash', [LAB, SCRIPT], { encoding: 'utf8', timeout: 60_000 });
    if (run.status !== 0) throw new Error(`imds-lab.sh failed (${run.status}): ${run.stderr}`);
    lines = run.stdout.trim().split('\n');
  }, 70_000);

  test('before the rule, a bridge container reaches both addresses (the connection is refused, not lost)', () => {
    expect(lines).toContain('before 169.254.169.254 1');
    expect(lines).toContain('before 169.254.170.2 1');
  });

  test('after it, packets from docker0 to 169.254.169.254 are dropped (the connection times out)', () => {
    expect(lines).toContain('after 169.254.169.254 124');
  });

  test('the agent\'s credential endpoint 169.254.170.2 stays reachable, so task roles keep working', () => {
    expect(lines).toContain('after 169.254.170.2 1');
  });

  test('the chain holds exactly the documented rule', () => {
    expect(lines.filter((l) => l.startsWith('-'))).toEqual(['-N DOCKER-USER', '-A DOCKER-USER -d 169.254.169.254/32 -i docker+ -j DROP']);
  });

  test('leaves no namespace behind', () => {
    const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    expect(left).not.toMatch(/fleet-imds-/);
  });
});
