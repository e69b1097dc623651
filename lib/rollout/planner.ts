/**
 * Region-by-region rollout planner. Pure: no CDK imports, no clock, no randomness, so the same input always gives the
 * same plan and the plan can be computed by the CDK app, a benchmark or a runbook script alike.
 */

/** One region of a rollout. */
export interface RolloutRegion {
  /** The region's name, e.g. `eu-west-1`. Unique within a plan. */
  readonly name: string;
  /**
   * Forecast load of the region while the rollout runs, in any unit as long as every region uses the same one
   * (requests per second, active users…). Less busy regions go first.
   *
   * @default 0
   */
  readonly load?: number;
  /**
   * Whether the region runs an environment now. A region that runs nothing is bootstrapped first, from the least busy
   * active region, before any running region is taken down.
   *
   * @default true
   */
  readonly active?: boolean;
}

/** How a rollout's order is chosen (the values are the strings plans and the conductor's record have always used). */
export enum RolloutStrategy {
  /** `LEAST_BUSY` when any load or latency is given, otherwise `RING`. Only asked for: a plan's strategy is never `AUTO`. */
  AUTO = 'auto',
  /** Regions sorted by name, each redeployed while the region before it in the ring stays up. */
  RING = 'ring',
  /** Least busy region first, each with its nearest healthy peer. */
  LEAST_BUSY = 'least-busy',
}

/** What one step of a rollout does to its region. */
export enum RolloutStepKind {
  /** The region runs an environment: it is withdrawn, rebuilt and put back while its peer serves. */
  REDEPLOY = 'redeploy',
  /** The region runs nothing yet: it is bootstrapped from the least busy active region; nothing is taken down. */
  BOOTSTRAP = 'bootstrap',
  /** The first region of a fleet where no region runs anything: deployed with no peer. */
  FIRST = 'first',
}

/** Input of {@link RolloutPlanner.plan}. */
export interface PlanRolloutOptions {
  /** The regions, in any order (the plan does not depend on it). */
  readonly regions: RolloutRegion[];
  /**
   * Round-trip latency between regions in milliseconds: `latencyMs[a][b]`. Only one direction is needed; a missing
   * pair counts as unknown (farther than any known one). Every region named must be in `regions`.
   *
   * @default - no latencies: a region's peer is the least busy region that stays up
   */
  readonly latencyMs?: { [region: string]: { [region: string]: number } };
  /**
   * `ring`: regions sorted by name, each redeployed while the region before it in the ring stays up (the first one's
   * peer is the last one). `least-busy`: least busy first, each with its nearest healthy peer. `auto`: `least-busy`
   * when any load or latency is given, otherwise `ring`.
   *
   * @default RolloutStrategy.AUTO
   */
  readonly strategy?: RolloutStrategy;
  /**
   * Regions taken down at the same time. Regions in one wave never include each other's peers and at least one
   * region always stays up.
   *
   * @default 1, one region at a time
   */
  readonly maxParallel?: number;
}

/** One step of a rollout. */
export interface RolloutStep {
  /** The region redeployed (or bootstrapped) in this step. */
  readonly region: string;
  /**
   * The designated peer: the region that stays up while this one is down and drives its redeploy (for a bootstrap,
   * the region it is bootstrapped from). Never in the same wave as `region`.
   * Undefined only when there is no other region up (a single region, or the very first deploy of a fleet).
   */
  readonly peer?: string;
  /** `redeploy` for a running region, `bootstrap` for one that runs nothing yet, `first` for the first region of a fleet with no running region. */
  readonly kind: RolloutStepKind;
  /** Index of the step's wave, from 0. */
  readonly wave: number;
  /** Why this step is where it is, for humans. */
  readonly reason: string;
}

/** The result of {@link RolloutPlanner.plan}. */
export interface RolloutPlan {
  /** The strategy used: `RING` or `LEAST_BUSY` (`AUTO` resolved). */
  readonly strategy: RolloutStrategy;
  /** Every region exactly once, in order. */
  readonly steps: RolloutStep[];
  /** Region names per wave, in order: wave n+1 starts when wave n is healthy. Usable as CDK stack dependency order. */
  readonly waves: string[][];
  /** What the user can live with but should know (a single region has no peer to keep serving). */
  readonly warnings: string[];
}

/**
 * Thrown for input the planner cannot plan; the message names the value and the fix.
 *
 * TypeScript only (jsii cannot extend `Error`): other languages get the error with its message.
 *
 * @jsii ignore
 */
export class RolloutPlanError extends Error {
  constructor(problem: string, fix: string) {
    super(`planRollout: ${problem}. Fix: ${fix}.`);
    this.name = 'RolloutPlanError';
  }
}

const REGION_NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Plans a rollout: regions with no running environment first (bootstrapped from the least busy active region), then
 * running regions least busy first, each redeployed while its designated peer — its nearest region that stays up —
 * keeps serving. With no loads and no latencies it is the simple ring.
 *
 * A single region gets one peerless step and a warning (it is down while it is rebuilt).
 *
 * TypeScript only; from other languages use `RolloutPlanner.plan`.
 *
 * @jsii ignore
 */
export function planRollout(options: PlanRolloutOptions): RolloutPlan {
  const regions = validate(options);
  const latency = options.latencyMs ?? {};
  const maxParallel = options.maxParallel ?? 1;
  if (!Number.isInteger(maxParallel) || maxParallel < 1) {
    throw new RolloutPlanError(`maxParallel ${maxParallel} is not valid`, 'use a whole number, 1 or more');
  }
  const requested = options.strategy ?? RolloutStrategy.AUTO;
  if (!Object.values(RolloutStrategy).includes(requested)) {
    throw new RolloutPlanError(`strategy '${requested}' is not known`, "use RolloutStrategy.AUTO, RING or LEAST_BUSY ('auto', 'ring' or 'least-busy')");
  }
  const informed = options.regions.some((r) => r.load !== undefined) || Object.keys(latency).length > 0;
  const strategy = requested === RolloutStrategy.AUTO ? (informed ? RolloutStrategy.LEAST_BUSY : RolloutStrategy.RING) : requested;

  const byBusy = (a: Required<RolloutRegion>, b: Required<RolloutRegion>) => a.load - b.load || cmp(a.name, b.name);
  const distance = (a: string, b: string) => latency[a]?.[b] ?? latency[b]?.[a] ?? Number.POSITIVE_INFINITY;

  const active = regions.filter((r) => r.active);
  const inactive = regions.filter((r) => !r.active).sort(byBusy);
  const warnings: string[] = [];
  const steps: RolloutStep[] = [];
  const waves: string[][] = [];

  // Bootstraps: nothing is taken down, so they share waves up to maxParallel, all from the least busy active region.
  let source = [...active].sort(byBusy)[0]?.name;
  const bootstrapOrder = [...inactive];
  if (!source) {
    // No region runs anything: the first deploy of a fleet. The least busy one goes first with no peer.
    const first = bootstrapOrder.shift()!;
    steps.push({ region: first.name, kind: RolloutStepKind.FIRST, wave: 0, reason: 'no region runs an environment yet: least busy region deployed first, with no peer' });
    waves.push([first.name]);
    source = first.name;
    if (regions.length > 1) warnings.push(`no region is active: ${first.name} is deployed first with no peer serving`);
  }
  for (let i = 0; i < bootstrapOrder.length; i += maxParallel) {
    const wave = bootstrapOrder.slice(i, i + maxParallel).map((r) => r.name);
    for (const name of wave) {
      steps.push({ region: name, peer: source, kind: RolloutStepKind.BOOTSTRAP, wave: waves.length, reason: `runs nothing yet: bootstrapped from ${source}, the least busy active region` });
    }
    waves.push(wave);
  }

  // Redeploys of the regions that were running.
  const up = new Set(regions.map((r) => r.name));
  const order = strategy === RolloutStrategy.RING ? [...active].sort((a, b) => cmp(a.name, b.name)) : [...active].sort(byBusy);
  const loadOf = new Map(regions.map((r) => [r.name, r.load]));

  if (regions.length === 1) {
    warnings.push(`single region ${regions[0].name}: no peer keeps serving while it is rebuilt, so it is down for the whole step`);
  }

  let pending = order.map((r, i) => ({ region: r, index: i }));
  while (pending.length > 0) {
    const wave: Array<{ region: string; peer?: string; reason: string }> = [];
    const inWave = new Set<string>();
    const peersOfWave = new Set<string>();
    const next: typeof pending = [];
    for (const item of pending) {
      const name = item.region.name;
      // A region joins the wave only when it is no wave member's peer and at least one region stays up besides.
      const full = wave.length >= maxParallel || peersOfWave.has(name) || up.size - inWave.size - 1 < 1;
      if (wave.length > 0 && full) { next.push(item); continue; }
      // Candidates exclude the wave, so a region's peer is never down with it.
      const candidates = [...up].filter((r) => r !== name && !inWave.has(r));
      let peer: string | undefined;
      let reason: string;
      if (strategy === RolloutStrategy.RING) {
        // The region before it in the ring; in a parallel wave that one may be down too, so walk further back.
        peer = undefined;
        for (let k = 1; k < order.length && peer === undefined; k++) {
          const c = order[(item.index - k + order.length) % order.length].name;
          if (candidates.includes(c)) peer = c;
        }
        peer ??= [...candidates].sort(cmp)[0];
        reason = peer ? `ring order: redeployed while ${peer} stays up` : 'ring order: no other region to stay up';
      } else {
        peer = [...candidates].sort((a, b) => distance(name, a) - distance(name, b) || loadOf.get(a)! - loadOf.get(b)! || cmp(a, b))[0];
        const ms = peer === undefined ? undefined : distance(name, peer);
        reason = `load ${item.region.load}: least busy remaining` + (peer
          ? `; ${peer} stays up (${ms !== undefined && Number.isFinite(ms) ? `nearest, ${ms} ms` : 'no latency known: least busy peer'})`
          : '; no other region to stay up');
      }
      wave.push({ region: name, peer, reason });
      inWave.add(name);
      if (peer) peersOfWave.add(peer);
    }
    const index = waves.length;
    for (const w of wave) steps.push({ region: w.region, peer: w.peer, kind: RolloutStepKind.REDEPLOY, wave: index, reason: w.reason });
    waves.push(wave.map((w) => w.region));
    pending = next;
  }

  return { strategy, steps, waves, warnings };
}

/** Durations of one region's step, on paper, in seconds. */
export interface StepTimings {
  /** Withdraw from DNS: health check failure detection plus resolver TTL. */
  readonly drainSeconds: number;
  /** Redeploy: instance refresh and new service deployments until stable. */
  readonly deploySeconds: number;
  /** Health: the region's health check passing again. */
  readonly healthSeconds: number;
  /** Re-enable: DNS answers the region again (TTL). */
  readonly reenableSeconds: number;
}

/** What a plan costs in time, on paper. */
export interface RolloutEstimate {
  /** Seconds one region's step takes. */
  readonly perRegionSeconds: Record<string, number>;
  /** Seconds the whole plan takes: waves one after another, a wave as long as its slowest region. */
  readonly totalSeconds: number;
  /** Seconds doing every region at once would take (the slowest region), with no region serving during it. */
  readonly allAtOnceSeconds: number;
  /** Seconds during which no region serves: 0 for a plan with a peer per step. */
  readonly outageSeconds: number;
}

/**
 * Sums a plan's time on paper from per-region timings (`timings(region)`).
 *
 * TypeScript only; from other languages use `RolloutPlanner.estimate`, which takes the timings by region.
 *
 * @jsii ignore
 */
export function estimateRollout(plan: RolloutPlan, timings: (region: string) => StepTimings): RolloutEstimate {
  const perRegionSeconds: Record<string, number> = {};
  for (const step of plan.steps) {
    const t = timings(step.region);
    // A bootstrap has nothing to withdraw from DNS.
    perRegionSeconds[step.region] = (step.kind === RolloutStepKind.REDEPLOY ? t.drainSeconds : 0) + t.deploySeconds + t.healthSeconds + t.reenableSeconds;
  }
  const totalSeconds = plan.waves.reduce((sum, wave) => sum + Math.max(...wave.map((r) => perRegionSeconds[r])), 0);
  const allAtOnceSeconds = Math.max(0, ...Object.values(perRegionSeconds));
  // A redeploy with no peer (a single region) is an outage for as long as it lasts.
  const outageSeconds = Math.max(0, ...plan.steps.filter((s) => s.kind === RolloutStepKind.REDEPLOY && !s.peer).map((s) => perRegionSeconds[s.region]));
  return {
    perRegionSeconds,
    totalSeconds,
    allAtOnceSeconds,
    outageSeconds,
  };
}

function validate(options: PlanRolloutOptions): Array<Required<RolloutRegion>> {
  if (!options || !Array.isArray(options.regions) || options.regions.length === 0) {
    throw new RolloutPlanError('no regions were given', 'pass at least one region, e.g. { regions: [{ name: "eu-west-1" }] }');
  }
  const seen = new Set<string>();
  const out: Array<Required<RolloutRegion>> = [];
  for (const r of options.regions) {
    if (typeof r?.name !== 'string' || !REGION_NAME.test(r.name)) {
      throw new RolloutPlanError(`region name '${r?.name}' is not valid`, 'use a region name such as eu-west-1 (lowercase letters, digits and -)');
    }
    if (seen.has(r.name)) throw new RolloutPlanError(`region '${r.name}' is listed twice`, 'list each region once');
    seen.add(r.name);
    const load = r.load ?? 0;
    if (typeof load !== 'number' || !Number.isFinite(load) || load < 0) {
      throw new RolloutPlanError(`load ${load} of region '${r.name}' is not valid`, 'use a finite number, 0 or more');
    }
    out.push({ name: r.name, load, active: r.active ?? true });
  }
  for (const [from, row] of Object.entries(options.latencyMs ?? {})) {
    if (!seen.has(from)) {
      throw new RolloutPlanError(`latency matrix names region '${from}', which is not in regions`, `add '${from}' to regions or remove its row from latencyMs`);
    }
    for (const [to, ms] of Object.entries(row ?? {})) {
      if (!seen.has(to)) {
        throw new RolloutPlanError(`latency matrix names region '${to}' (in the row of '${from}'), which is not in regions`, `add '${to}' to regions or remove it from latencyMs['${from}']`);
      }
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw new RolloutPlanError(`latency ${ms} ms from '${from}' to '${to}' is not valid`, 'use a finite number of milliseconds, 0 or more');
      }
    }
  }
  return out;
}

/** Code-point order, so the plan never depends on the machine's locale. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
