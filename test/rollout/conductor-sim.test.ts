import fc from 'fast-check';
import { SCENARIOS, simulate, SimRegion } from '../../bench/conductor-sim';
import { SIX_REGIONS, SIX_REGIONS_LATENCY_MS } from '../fixtures/regions';

/** The bench's night simulation, run in CI: the conductor's real actions and decisions against a fake fleet. */
describe('conductor night simulation', () => {
  test.each(SCENARIOS.map((s) => [s.name, s] as const))('%s: invariants hold and the night ends as expected', async (_, scenario) => {
    const r = await simulate(scenario);
    expect(r.violations).toEqual([]);
    expect(r.maxOut).toBeLessThanOrEqual(1);
    expect(r.outcome).toBe(scenario.expect.outcome);
  });

  test('a clean night visits every region exactly once, least busy (by forecast) first', async () => {
    const r = await simulate(SCENARIOS.find((s) => s.name === 'clean night, six regions')!);
    expect(r.visited).toEqual(['sa-east-1', 'ap-southeast-2', 'eu-central-1', 'ap-northeast-1', 'eu-west-1', 'us-east-1']);
    expect(r.night.outcome).toBe('succeeded');
    expect(r.night.out).toBeNull();
  });

  test('a night failing in the third region stops there, leaves only that region out, rebuilt the two before', async () => {
    const r = await simulate(SCENARIOS.find((s) => s.name.startsWith('third region fails'))!);
    expect(r.visited).toEqual(['ap-southeast-2', 'eu-west-1', 'us-east-1']);
    expect(r.night.failure).toMatchObject({ region: 'us-east-1', error: 'Conductor.Unhealthy' });
    expect(r.night.out).toBe('us-east-1');
    expect(r.timeline[r.timeline.length - 1]).toMatch(/halted .* us-east-1 left out of DNS/);
  });

  test('two nights started together: exactly one runs, the other is refused and touches nothing', async () => {
    const r = await simulate(SCENARIOS.find((s) => s.concurrentStart)!);
    expect(r.violations).toEqual([]);
    expect(r.timeline.some((l) => /manual night: refused by the lock/.test(l))).toBe(true);
    expect(r.visited).toHaveLength(3);
  });

  test('property: whatever fails where, at most one region is out, never the last, and the chain stops at the first failure', async () => {
    const failures = fc.constantFrom(undefined, 'never-stabilises', 'unhealthy-after-restore', 'unhealthy-before-restore') as fc.Arbitrary<SimRegion['failure']>;
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 2, max: 6 }),
      fc.array(failures, { minLength: 6, maxLength: 6 }),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 }),
      fc.boolean(),
      async (count, failureOf, throttles, unknownLoad) => {
        const regions: SimRegion[] = SIX_REGIONS.slice(0, count).map((r, i) => ({ name: r.name, load: (r.load ?? 0) * 60, failure: failureOf[i] }));
        const names = new Set(regions.map((r) => r.name));
        const latencyMs = Object.fromEntries(Object.entries(SIX_REGIONS_LATENCY_MS).filter(([a]) => names.has(a))
          .map(([a, row]) => [a, Object.fromEntries(Object.entries(row).filter(([b]) => names.has(b)))]));
        const r = await simulate({
          name: 'random', regions, latencyMs,
          throttle: { 'Route53.UpdateHealthCheck': throttles[0], DescribeExecution: throttles[1], 'Route53.GetHealthCheckStatus': throttles[2] },
          metricsUnavailable: unknownLoad ? [regions[0].name] : [],
          expect: { outcome: regions.some((x) => x.failure) ? 'halted' : 'succeeded' },
        });
        expect(r.violations).toEqual([]);
        expect(r.maxOut).toBeLessThanOrEqual(1);
        const firstFailing = r.night.steps.findIndex((s) => regions.find((x) => x.name === s.region)!.failure);
        if (firstFailing >= 0) expect(r.visited).toEqual(r.night.steps.slice(0, firstFailing + 1).map((s) => s.region));
      },
    ), { numRuns: 60 });
  });
});
