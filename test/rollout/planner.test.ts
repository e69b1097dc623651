import fc from 'fast-check';
import { nightlySchedules, planRegions, rolloutDependencies, rolloutWaves } from '../../lib/environments/multi-region';
import { forecastLoad } from '../../lib/rollout/forecast';
import { estimateRollout, planRollout, RolloutStepKind, RolloutStrategy } from '../../lib/rollout/planner';
import { RolloutPlanner } from '../../lib/rollout/rollout-planner';
import { SIX_REGIONS, SIX_REGIONS_LATENCY_MS } from '../fixtures/regions';

const SIX = SIX_REGIONS;
const LATENCY = SIX_REGIONS_LATENCY_MS;

describe('planRollout', () => {
  test('the default with no loads and no latencies is the ring: sorted, each driven by the one before', () => {
    const plan = planRollout({ regions: [{ name: 'us-east-1' }, { name: 'eu-west-1' }, { name: 'ap-south-1' }] });
    expect(plan.strategy).toBe('ring');
    expect(plan.steps.map((s) => [s.region, s.peer])).toEqual([['ap-south-1', 'us-east-1'], ['eu-west-1', 'ap-south-1'], ['us-east-1', 'eu-west-1']]);
    expect(plan.waves).toEqual([['ap-south-1'], ['eu-west-1'], ['us-east-1']]);
  });

  test('with loads and latencies: least busy first, each with its nearest peer', () => {
    const plan = planRollout({ regions: SIX, latencyMs: LATENCY });
    expect(plan.strategy).toBe('least-busy');
    expect(plan.steps.map((s) => `${s.region}<-${s.peer}`)).toEqual([
      'sa-east-1<-us-east-1', 'ap-southeast-2<-ap-northeast-1', 'eu-central-1<-eu-west-1',
      'ap-northeast-1<-ap-southeast-2', 'eu-west-1<-eu-central-1', 'us-east-1<-eu-west-1',
    ]);
  });

  test('regions with no running environment are bootstrapped first, from the least busy active region', () => {
    const plan = planRollout({ regions: [...SIX.slice(0, 3), { name: 'ca-central-1', active: false }, { name: 'me-south-1', active: false, load: 5 }], latencyMs: {} });
    expect(plan.steps.slice(0, 2)).toMatchObject([
      { region: 'ca-central-1', peer: 'eu-central-1', kind: 'bootstrap' },
      { region: 'me-south-1', peer: 'eu-central-1', kind: 'bootstrap' },
    ]);
    expect(plan.steps.slice(2).map((s) => s.region)).toEqual(['eu-central-1', 'eu-west-1', 'us-east-1']);
  });

  test('without latencies the peer is the least busy region that stays up', () => {
    const plan = planRollout({ regions: SIX });
    expect(plan.steps[0]).toMatchObject({ region: 'sa-east-1', peer: 'ap-southeast-2' });
  });

  test('a single region: one step with no peer and a warning (documented)', () => {
    const plan = planRollout({ regions: [{ name: 'eu-west-1' }] });
    expect(plan.steps).toEqual([expect.objectContaining({ region: 'eu-west-1', peer: undefined, kind: 'redeploy', wave: 0 })]);
    expect(plan.warnings).toEqual([expect.stringMatching(/single region eu-west-1: no peer keeps serving/)]);
  });

  test('no region active: the least busy is deployed first with no peer, the rest bootstrap from it', () => {
    const plan = planRollout({ regions: [{ name: 'b-1', active: false, load: 2 }, { name: 'a-1', active: false, load: 1 }, { name: 'c-1', active: false, load: 3 }] });
    expect(plan.steps.map((s) => [s.region, s.kind, s.peer])).toEqual([['a-1', 'first', undefined], ['b-1', 'bootstrap', 'a-1'], ['c-1', 'bootstrap', 'a-1']]);
  });

  test('maxParallel packs waves without putting a region beside its peer and keeps one region up', () => {
    const plan = planRollout({ regions: SIX, latencyMs: LATENCY, maxParallel: 3 });
    for (const s of plan.steps) expect(plan.waves[s.wave]).not.toContain(s.peer);
    expect(Math.max(...plan.waves.map((w) => w.length))).toBeLessThanOrEqual(3);
    expect(plan.waves.length).toBeLessThan(6);
  });

  describe('bad input gets a clear error', () => {
    test.each([
      [{ regions: [] }, /no regions were given/],
      [{ regions: [{ name: 'eu-west-1' }, { name: 'eu-west-1' }] }, /region 'eu-west-1' is listed twice\. Fix: list each region once/],
      [{ regions: [{ name: 'eu-west-1' }], latencyMs: { 'eu-west-1': { 'mars-1': 5 } } }, /latency matrix names region 'mars-1' \(in the row of 'eu-west-1'\), which is not in regions/],
      [{ regions: [{ name: 'eu-west-1' }], latencyMs: { 'mars-1': {} } }, /latency matrix names region 'mars-1', which is not in regions/],
      [{ regions: [{ name: 'a-1' }, { name: 'b-1' }], latencyMs: { 'a-1': { 'b-1': -3 } } }, /latency -3 ms from 'a-1' to 'b-1' is not valid/],
      [{ regions: [{ name: 'EU West' }] }, /region name 'EU West' is not valid/],
      [{ regions: [{ name: 'a-1', load: Number.NaN }] }, /load NaN of region 'a-1' is not valid/],
      [{ regions: [{ name: 'a-1' }], maxParallel: 0 }, /maxParallel 0 is not valid/],
      [{ regions: [{ name: 'a-1' }], strategy: 'random' }, /strategy 'random' is not known/],
    ])('%j', (input, message) => {
      expect(() => planRollout(input as any)).toThrow(message);
    });
  });
});

describe('planRollout properties', () => {
  const regionNames = fc.uniqueArray(fc.stringMatching(/^[a-z]{2}-[a-z]{1,6}-[1-4]$/), { minLength: 1, maxLength: 12 });
  const input = regionNames.chain((names) => fc.record({
    regions: fc.tuple(...names.map((name) => fc.record({
      name: fc.constant(name),
      load: fc.option(fc.nat(10_000), { nil: undefined }),
      active: fc.option(fc.boolean(), { nil: undefined }),
    }))),
    latencyMs: fc.option(fc.dictionary(fc.constantFrom(...names), fc.dictionary(fc.constantFrom(...names), fc.nat(400))), { nil: undefined }),
    strategy: fc.constantFrom(RolloutStrategy.AUTO, RolloutStrategy.RING, RolloutStrategy.LEAST_BUSY),
    maxParallel: fc.integer({ min: 1, max: 4 }),
  }));

  test('every region exactly once, in steps and in waves', () => {
    fc.assert(fc.property(input, (opts) => {
      const plan = planRollout(opts);
      const names = opts.regions.map((r) => r.name).sort();
      expect(plan.steps.map((s) => s.region).sort()).toEqual(names);
      expect(plan.waves.flat().sort()).toEqual(names);
      plan.steps.forEach((s) => expect(plan.waves[s.wave]).toContain(s.region));
    }));
  });

  test('a region and its designated peer are never down together, and the peer is up (not a region that runs nothing)', () => {
    fc.assert(fc.property(input, (opts) => {
      const plan = planRollout(opts);
      const deployedBy = new Map(plan.steps.map((s) => [s.region, s.wave]));
      for (const s of plan.steps) {
        if (opts.regions.length > 1 && s.kind !== RolloutStepKind.FIRST) expect(s.peer).toBeDefined();
        if (!s.peer) continue;
        expect(s.peer).not.toBe(s.region);
        expect(plan.waves[s.wave]).not.toContain(s.peer);
        const peerWasActive = opts.regions.find((r) => r.name === s.peer)!.active !== false;
        // A peer that ran nothing must have been bootstrapped (or deployed first) in an earlier wave.
        if (!peerWasActive) expect(deployedBy.get(s.peer)!).toBeLessThan(s.wave);
      }
      // Never every region down at once when there is more than one.
      if (opts.regions.length > 1) for (const w of plan.waves) expect(w.length).toBeLessThan(opts.regions.length);
    }));
  });

  test('deterministic, and independent of the order regions are listed in', () => {
    fc.assert(fc.property(input, fc.nat(), (opts, seed) => {
      const shuffled = [...opts.regions].sort((a, b) => ((a.name.charCodeAt(0) * 31 + seed) % 7) - ((b.name.charCodeAt(0) * 31 + seed) % 7));
      expect(planRollout({ ...opts, regions: shuffled })).toEqual(planRollout(opts));
      expect(planRollout(opts)).toEqual(planRollout(opts));
    }));
  });

  test('running regions go least busy first', () => {
    fc.assert(fc.property(input, (opts) => {
      const plan = planRollout({ ...opts, strategy: RolloutStrategy.LEAST_BUSY, maxParallel: 1 });
      const load = new Map(opts.regions.map((r) => [r.name, r.load ?? 0]));
      const redeploys = plan.steps.filter((s) => s.kind === RolloutStepKind.REDEPLOY).map((s) => load.get(s.region)!);
      expect(redeploys).toEqual([...redeploys].sort((a, b) => a - b));
    }));
  });
});

describe('multi-region helpers', () => {
  const configs = SIX.map((r) => ({ ...r }));
  const plan = planRegions(configs, { latencyMs: LATENCY });

  test('rolloutWaves and rolloutDependencies give the stack order', () => {
    expect(rolloutWaves(plan)[0]).toEqual(['sa-east-1']);
    expect(rolloutDependencies(plan, configs).slice(0, 2)).toEqual([
      { stack: 'Production-sa-east-1', dependsOn: [] },
      { stack: 'Production-ap-southeast-2', dependsOn: ['Production-sa-east-1'] },
    ]);
  });

  test('nightlySchedules gives each wave its own slot and refuses a night longer than a day', () => {
    expect(nightlySchedules(plan, { slotMinutes: 150, startMinuteUtc: 60 })).toMatchObject({
      'sa-east-1': { hour: '1', minute: '0' }, 'ap-southeast-2': { hour: '3', minute: '30' }, 'us-east-1': { hour: '13', minute: '30' },
    });
    expect(() => nightlySchedules(plan, { slotMinutes: 300 })).toThrow(/6 waves of 300 minutes take more than a day/);
  });

  test('estimateRollout: one step per region in sequence versus all at once, with no outage when every step has a peer', () => {
    const est = estimateRollout(plan, () => ({ drainSeconds: 150, deploySeconds: 1200, healthSeconds: 90, reenableSeconds: 60 }));
    expect(est.perRegionSeconds['us-east-1']).toBe(1500);
    expect(est.totalSeconds).toBe(6 * 1500);
    expect(est.allAtOnceSeconds).toBe(1500);
    expect(est.outageSeconds).toBe(0);
    const single = estimateRollout(planRollout({ regions: [{ name: 'eu-west-1' }] }), () => ({ drainSeconds: 0, deploySeconds: 600, healthSeconds: 0, reenableSeconds: 0 }));
    expect(single.outageSeconds).toBe(600);
  });
});

describe('for other languages (jsii: enums and static methods)', () => {
  test('the enums carry exactly the strings plans have always had, so JSON plans and the conductor\'s record do not change', () => {
    expect(Object.entries(RolloutStrategy)).toEqual([['AUTO', 'auto'], ['RING', 'ring'], ['LEAST_BUSY', 'least-busy']]);
    expect(Object.entries(RolloutStepKind)).toEqual([['REDEPLOY', 'redeploy'], ['BOOTSTRAP', 'bootstrap'], ['FIRST', 'first']]);
    expect(JSON.stringify(planRollout({ regions: [{ name: 'eu-west-1', active: false }, { name: 'us-east-1' }] }))).toContain('"strategy":"ring","steps":[{"region":"eu-west-1","peer":"us-east-1","kind":"bootstrap"');
  });

  test('a strategy that is no member of RolloutStrategy (a plain string from JavaScript) is refused, naming the members', () => {
    expect(() => RolloutPlanner.plan({ regions: [{ name: 'a-1' }], strategy: 'random' as RolloutStrategy }))
      .toThrow(/strategy 'random' is not known\. Fix: use RolloutStrategy\.AUTO, RING or LEAST_BUSY/);
  });

  test('RolloutPlanner.plan returns what planRollout returns', () => {
    expect(RolloutPlanner.plan({ regions: SIX, latencyMs: LATENCY, maxParallel: 2 })).toEqual(planRollout({ regions: SIX, latencyMs: LATENCY, maxParallel: 2 }));
    expect(RolloutPlanner.plan({ regions: SIX, strategy: RolloutStrategy.RING }).strategy).toBe(RolloutStrategy.RING);
  });

  test('RolloutPlanner.estimate takes the timings by region and returns what estimateRollout returns', () => {
    const plan = planRollout({ regions: SIX, latencyMs: LATENCY });
    const timings = Object.fromEntries(SIX.map((r, i) => [r.name, { drainSeconds: 150, deploySeconds: 1000 + 100 * i, healthSeconds: 90, reenableSeconds: 60 }]));
    expect(RolloutPlanner.estimate(plan, timings)).toEqual(estimateRollout(plan, (region) => timings[region]));
  });

  test('RolloutPlanner.estimate refuses a plan region with no timings, naming it', () => {
    const plan = planRollout({ regions: [{ name: 'eu-west-1' }, { name: 'us-east-1' }] });
    expect(() => RolloutPlanner.estimate(plan, { 'eu-west-1': { drainSeconds: 1, deploySeconds: 1, healthSeconds: 1, reenableSeconds: 1 } }))
      .toThrow(/no timings were given for region 'us-east-1'\. Fix: pass timings for every region of the plan/);
  });

  test('RolloutPlanner.forecastLoad returns what forecastLoad returns, and refuses what it refuses', () => {
    const points = [0, 7, 29].map((m, i) => ({ time: new Date(Date.parse('2026-11-23T23:30:00Z') + m * 60_000), value: [10, 24, 68][i] }));
    expect(RolloutPlanner.forecastLoad(points, 30)).toBe(forecastLoad(points, 30));
    expect(() => RolloutPlanner.forecastLoad([], 30)).toThrow(/empty series/);
  });
});
