/**
 * Rollout plan for six sample regions (loads and latencies below), its time per region on paper — drain, deploy,
 * health, re-enable — against doing every region at once, and how long the planner itself takes.
 * Run: npx tsx bench/rollout.ts
 */
import { performance } from 'perf_hooks';
import { nightlySchedules } from '../lib/environments/multi-region';
import { RolloutRegion, StepTimings, estimateRollout, planRollout } from '../lib/rollout/planner';
import { SIX_REGIONS, SIX_REGIONS_LATENCY_MS } from '../test/fixtures/regions';

const REGIONS = SIX_REGIONS;
const LATENCY = SIX_REGIONS_LATENCY_MS;

/**
 * The paper model. Route 53 defaults of RegionalEndpoint: 30 s interval, 3 failures → 90 s to drop out, alias TTL
 * 60 s. CleanSlate defaults: min 100 % / max 150 % → the refresh replaces half the group per batch; a batch is
 * launch + ECS registration (~3 min), instance warm-up and task placement (~2 min), draining the old instance with a
 * 60 s deregistration delay (~1 min). Instances per region: one per 200 req/s, at least 2.
 */
const HEALTH_CHECK_SECONDS = 3 * 30;
const DNS_TTL_SECONDS = 60;
const BATCH_SECONDS = 3 * 60 + 2 * 60 + 60;
const instancesFor = (load: number) => Math.max(2, Math.ceil(load / 200));

function timings(region: string): StepTimings {
  const instances = instancesFor(REGIONS.find((r) => r.name === region)!.load ?? 0);
  const perBatch = Math.ceil(instances * 0.5);
  const batches = Math.ceil(instances / perBatch);
  return {
    drainSeconds: HEALTH_CHECK_SECONDS + DNS_TTL_SECONDS,
    deploySeconds: batches * BATCH_SECONDS,
    healthSeconds: HEALTH_CHECK_SECONDS,
    reenableSeconds: DNS_TTL_SECONDS,
  };
}

const min = (s: number) => `${(s / 60).toFixed(1)} min`;

export async function main(): Promise<string> {
  const plan = planRollout({ regions: REGIONS, latencyMs: LATENCY });
  const est = estimateRollout(plan, timings);
  const slot = Math.ceil(Math.max(...Object.values(est.perRegionSeconds)) / 60 / 15) * 15 + 15;
  const slots = nightlySchedules(plan, { slotMinutes: slot });
  const lines: string[] = [];
  lines.push(`### Rollout plan: six regions (${plan.strategy})`, '');
  lines.push('| # | region | load (req/s) | peer (stays up) | peer latency | drain | deploy | health | re-enable | step | nightly start (UTC) |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  plan.steps.forEach((s, i) => {
    const t = timings(s.region);
    const load = REGIONS.find((r) => r.name === s.region)!.load;
    const ms = s.peer ? ((LATENCY as any)[s.region]?.[s.peer] ?? (LATENCY as any)[s.peer]?.[s.region]) : undefined;
    const at = slots[s.region];
    lines.push(`| ${i + 1} | ${s.region} | ${load} | ${s.peer ?? '—'} | ${ms ?? '—'} ms | ${t.drainSeconds} s | ${t.deploySeconds} s | ${t.healthSeconds} s | ${t.reenableSeconds} s | ${min(est.perRegionSeconds[s.region])} | ${at.hour.padStart(2, '0')}:${at.minute.padStart(2, '0')} |`);
  });
  lines.push('');
  lines.push('| | wall clock | regions down at once | time with no region serving |');
  lines.push('|---|---|---|---|');
  lines.push(`| region by region (plan) | ${min(est.totalSeconds)} | 1 | ${min(est.outageSeconds)} |`);
  const parallel = planRollout({ regions: REGIONS, latencyMs: LATENCY, maxParallel: 3 });
  const estParallel = estimateRollout(parallel, timings);
  lines.push(`| maxParallel 3 (${parallel.waves.length} waves) | ${min(estParallel.totalSeconds)} | ≤ 3, never a region with its peer | ${min(estParallel.outageSeconds)} |`);
  lines.push(`| all regions at once | ${min(est.allAtOnceSeconds)} | 6 | up to ${min(est.allAtOnceSeconds)} if the rebuild fails health everywhere |`);
  lines.push('', `Nightly slot per wave: ${slot} min (slowest step rounded up to 15 min, plus 15 min margin); give CleanSlate a timeout of at most the slot so a late region fails before its peer starts.`, '',
    'Paper model: the drain and re-enable columns assume the region leaves DNS (health check fails); with the default launch-before-terminate refresh it usually stays healthy and in DNS throughout, so those are worst cases.');

  // Planner speed: it runs at every synth.
  const big: RolloutRegion[] = Array.from({ length: 100 }, (_, i) => ({ name: `r-${String(i).padStart(3, '0')}`, load: (i * 7919) % 1000 }));
  const bigLatency = Object.fromEntries(big.map((a, i) => [a.name, Object.fromEntries(big.slice(i + 1).map((b, j) => [b.name, 10 + ((i * 31 + j * 17) % 300)]))]));
  const time = (fn: () => unknown, n: number) => {
    fn();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    return (performance.now() - t0) / n;
  };
  const six = time(() => planRollout({ regions: REGIONS, latencyMs: LATENCY }), 20_000);
  const hundred = time(() => planRollout({ regions: big, latencyMs: bigLatency }), 20);
  lines.push('', '| planner input | time per plan |', '|---|---|');
  lines.push(`| 6 regions, full latency matrix | ${(six * 1000).toFixed(1)} µs |`);
  lines.push(`| 100 regions, full latency matrix | ${hundred.toFixed(1)} ms |`);
  return lines.join('\n');
}

if (require.main === module) main().then(console.log);
