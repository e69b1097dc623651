/**
 * Synth benchmark (issue 2): the production layout with N routed services, ours side by side with
 * stock aws-cdk-lib of the same shape, each synthesized in a fresh process.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

interface Sample {
  layout: string; n: number; ms: number; cpuMs: number; maxRssMiB: number; resources: Record<string, number>; error?: string;
  findings?: { rules: number; findings: number };
}

function run(layout: 'ours' | 'stock', n: number, validate = false, nag = false): Sample {
  const worker = path.join(__dirname, 'synth-worker.ts');
  const out = spawnSync(process.execPath, ['--import', 'tsx', worker, layout, String(n), validate ? 'validate' : 'novalidate', nag ? 'nag' : ''], {
    cwd: path.join(__dirname, '..'), encoding: 'utf8', env: { ...process.env, CDK_VALIDATION: validate ? 'true' : 'false' }, maxBuffer: 64 * 1024 * 1024,
  });
  const line = out.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return { layout, n, ms: NaN, cpuMs: NaN, maxRssMiB: NaN, resources: {}, error: (out.stderr || 'no output').split('\n')[0] };
  }
}

const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '—');

export async function main(): Promise<string> {
  const lines = [
    '### Synth: production layout, N routed services (fresh process each, built-in validation off)',
    '',
    '| N | layout | wall ms | CPU ms | peak RSS MiB | stacks (resources each) | result | ours/stock CPU time |',
    '|---:|---|---:|---:|---:|---|---|---:|',
  ];
  for (const n of [10, 50, 200]) {
    const o = run('ours', n);
    const s = run('stock', n);
    for (const r of [o, s]) {
      const stacks = Object.entries(r.resources).map(([k, v]) => `${k.replace(/[0-9A-F]{8}$/, '')}: ${v}`).join(', ') || '—';
      // CPU time, not wall time: on a shared machine other processes stretch wall time at random.
      const ratio = r === o && !s.error ? fmt(o.cpuMs / s.cpuMs, 2) : r === o ? `${fmt(o.cpuMs / s.cpuMs, 2)} (stock fails)` : '';
      lines.push(`| ${n} | ${r.layout} | ${fmt(r.ms)} | ${fmt(r.cpuMs)} | ${fmt(r.maxRssMiB)} | ${stacks} | ${r.error ? `fails: ${r.error.slice(0, 90)}` : 'ok, every template ≤ 500 resources'} | ${ratio} |`);
    }
  }
  const plain = run('ours', 10, false);
  const validated = run('ours', 10, true);
  const validated200 = run('ours', 200, true);
  lines.push('', '### Cost of aws-cdk-lib built-in template validation (ours, N = 10)', '',
    '| validation | wall ms | peak RSS MiB |', '|---|---:|---:|',
    `| off | ${fmt(plain.ms)} | ${fmt(plain.maxRssMiB)} |`,
    `| on (default rules) | ${fmt(validated.ms)} | ${fmt(validated.maxRssMiB)} |`,
    '', `Ours with N = 200 and validation on: ${validated200.error ? `fails: ${validated200.error}` : `valid (${fmt(validated200.ms)} ms, ${fmt(validated200.maxRssMiB)} MiB)`}.`);
  const nagOurs = run('ours', 10, false, true);
  const nagStock = run('stock', 10, false, true);
  lines.push('', '### cdk-nag AwsSolutions findings left open (N = 10)', '', '| layout | rules | findings |', '|---|---:|---:|',
    `| ours | ${nagOurs.findings?.rules ?? 0} | ${nagOurs.findings?.findings ?? 0} |`,
    `| stock | ${nagStock.findings?.rules ?? '—'} | ${nagStock.findings?.findings ?? '—'} |`);
  return lines.join('\n');
}

if (require.main === module) main().then(console.log);
