/**
 * Listener rule priorities, assigned for the user.
 *
 * Goals, in order:
 * 1. More specific routes win: a rule with a host beats one without; an exact path beats a
 *    pattern; a longer literal path prefix beats a shorter one (`/api/users/*` before `/api/*` before `/*`).
 * 2. Update-safe without deployed state: adding or removing a route (or any odd number of routes of one specificity)
 *    never moves a rule onto a priority that any rule held before the update, so ALB never answers `PriorityInUse`
 *    — whether or not the last deploy's cloud assembly was kept.
 * 3. Deterministic: the same routes always give the same priorities, whatever their declaration order.
 *
 * How: the priority space 1..50,000 is cut into bands by specificity (host kind × path kind), 250 slots per band,
 * and each band into two halves of 100 and a stable region of 50. The routes of a band all sit in the half given by the parity of their
 * number: adding or removing one route flips the band to its other half, which no rule held before the update, so
 * every move lands on a free priority (CloudFormation deletes the removed rule only at cleanup; until then it keeps
 * its priority in the half the band leaves). Within its half a route takes the slot given by a hash of its key;
 * collisions are settled by key order (the smaller key keeps its slot, the other probes on). The price: a change
 * renumbers every rule of that band in place (an `UpdateRule`, no replacement, no interruption).
 *
 * Why not a rule per route that never moves: a pure function of the routes cannot be stable under removal in a
 * bounded space. If removing a route never changed another's priority, by induction each route's priority would
 * depend on its own key alone, and two keys hashing to one slot would get one priority. And a scheme that keeps
 * unchanged rules in place must leave any slot two routes contend for empty (else removing the holder moves the other
 * onto the priority the removed rule still holds): at 70 routes in 250 slots such schemes still clash on about 2 % of
 * removals (docs/routing.md, "Updates").
 *
 * With the deployed rules ({@link AssignOptions.deployed}) the assignment never clashes whatever the change, and
 * converges to the stateless one: a rule moves to its stateless priority when no deployed rule holds it, and waits
 * (keeps its priority, or takes a free one) otherwise; two deploys with the same routes reach the stateless
 * assignment. See docs/routing.md, "Updates".
 *
 * Stable routes ({@link RouteMatch.stable}: blue/green production rules, which no update may touch) are pinned by
 * their own key in a region of their band ordinary routes never use, so they neither move with ordinary routes nor
 * land on one's priority; with the deployed rules a deployed stable rule keeps its priority for good. Without them,
 * two stable routes of one band hashing to one of its {@link STABLE_SLOTS} slots can move each other (clashing).
 */

import { fnv1a } from '../hash';

/** A route's match conditions, as given by the user. */
export interface RouteMatch {
  /** Host header pattern, e.g. `api.example.com` or `*.example.com`. @default - any host */
  readonly host?: string;
  /** Path pattern, e.g. `/api/*`. @default - any path */
  readonly path?: string;
  /** A priority chosen by the user: kept as is, and never given to another route. @default - assigned */
  readonly priority?: number;
  /**
   * The rule must not move when other routes come and go: its priority comes from its own key, in its band's stable
   * region (not the half its band's parity picks), as if pinned, so adding or removing other routes never renumbers it. For
   * blue/green production rules: any update of the rule sends the template's forward weights again, over those ECS set.
   * Only two stable routes of one band whose keys hash to one slot can move each other (the smaller key keeps it).
   *
   * @default false
   */
  readonly stable?: boolean;
  /**
   * Identity of the route's listener rule in the deployed stack (template file and logical id), to find its deployed
   * priority in {@link AssignOptions.deployed}.
   *
   * @default - the rule is treated as new
   */
  readonly ruleId?: string;
}

/** A listener rule as deployed: its identity and priority. */
export interface DeployedRule {
  /** Template file and logical id, `<file>#<logicalId>` (see {@link RouteMatch.ruleId}). */
  readonly ruleId: string;
  /** Its deployed priority. */
  readonly priority: number;
}

/** Options of {@link assignPrioritiesDetailed}. */
export interface AssignOptions {
  /**
   * The listener's rules as last deployed. No rule is given a priority a deployed rule holds (other than its own), so
   * no update, whatever it changes, asks ALB for a priority another rule still has (\`PriorityInUse\`); rules move to
   * their stateless priorities as those become free.
   *
   * @default - none: the assignment depends on the routes alone, which is safe for additions and removals
   */
  readonly deployed?: readonly DeployedRule[];
}

/** A route that did not get its preferred slot because another route of its band took it. */
export interface DisplacedRoute {
  readonly key: string;
  /** The route that holds the preferred slot. */
  readonly displacedBy: string;
  readonly priority: number;
}

/** Priorities, and the routes a hash collision moved off their preferred slot. */
export interface PriorityAssignment {
  readonly priorities: Map<string, number>;
  readonly displaced: DisplacedRoute[];
  /**
   * With deployed rules: the routes not on their stateless priority yet, because a deployed rule holds it during this
   * update. The next deploy with the deployed rules moves them; until then dropping the deployed rules is not safe.
   */
  readonly pending: string[];
}

/** ALB's highest listener rule priority. */
export const MAX_PRIORITY = 50_000;
/** Slots per specificity band. */
export const BAND_SIZE = 250;
/** Slots per half band: the routes of one band all sit in one half, chosen by the parity of their number. */
export const HALF_BAND_SIZE = 100;
/**
 * Slots of a band's stable region, after its two halves: stable routes (blue/green production rules) are pinned there,
 * so a stable route never lands on a priority an ordinary rule of its band holds, and never moves when they do.
 */
export const STABLE_SLOTS = BAND_SIZE - 2 * HALF_BAND_SIZE;
/** Path literal lengths beyond this share the most specific pattern band. */
const MAX_LITERAL = 63;
const PATH_BANDS = MAX_LITERAL + 3; // exact, 64 prefix lengths, no path
const HOST_BANDS = 3; // exact host, wildcard host, no host

/** The canonical key of a route: hosts are case-insensitive in ALB, paths are not. */
export function routeKey(match: RouteMatch): string {
  return `${(match.host ?? '').toLowerCase()}|${match.path ?? ''}`;
}

function hasWildcard(s: string): boolean {
  return s.includes('*') || s.includes('?');
}

/** Length of the literal part before the first wildcard. */
function literalPrefixLength(path: string): number {
  const i = path.search(/[*?]/);
  return i === -1 ? path.length : i;
}

/** Specificity band of a route: lower bands are evaluated first. */
export function specificityBand(match: RouteMatch): number {
  const hostBand = match.host === undefined ? 2 : hasWildcard(match.host) ? 1 : 0;
  let pathBand: number;
  if (match.path === undefined) {
    pathBand = PATH_BANDS - 1;
  } else if (!hasWildcard(match.path)) {
    pathBand = 0;
  } else {
    pathBand = 1 + (MAX_LITERAL - Math.min(literalPrefixLength(match.path), MAX_LITERAL));
  }
  return hostBand * PATH_BANDS + pathBand;
}

/** The slot a route prefers within its band's half. */
export function preferredSlot(key: string): number {
  return fnv1a(key) % HALF_BAND_SIZE;
}

/** The half (0 or 1) of its band the routes of a band sit in, given their number (pinned routes not counted). */
export function bandHalf(routesInBand: number): number {
  return routesInBand % 2;
}

/**
 * Assigns a priority to every route of one listener.
 *
 * @returns a map from route key to priority
 * @throws when two routes share a key (the caller reports duplicates with service names first), when pinned
 *   priorities repeat or leave ALB's range, or when more than {@link HALF_BAND_SIZE} routes fall into one band
 */
export function assignPriorities(matches: readonly RouteMatch[], options: AssignOptions = {}): Map<string, number> {
  return assignPrioritiesDetailed(matches, options).priorities;
}

/**
 * {@link assignPriorities}, also reporting collisions and, with deployed rules, the routes not yet on their stateless
 * priority. A displaced route's priority can move when a change adds and removes routes of its band in equal numbers
 * (the band keeps its half); pin it (`priority`) to make it fixed.
 */
export function assignPrioritiesDetailed(matches: readonly RouteMatch[], options: AssignOptions = {}): PriorityAssignment {
  const stateless = statelessAssignment(matches);
  if (options.deployed === undefined) return { ...stateless, pending: [] };
  return converge(matches, stateless, options.deployed);
}

/**
 * The routes split into pinned priorities (kept as given) and, per specificity band, the keys left to place; refuses
 * a duplicate route, a pin outside `from`..`to` and a priority pinned twice. Shared with the range assignment.
 */
export function pinsAndBands(matches: readonly RouteMatch[], from: number, to: number): { result: Map<string, number>; pinned: Set<number>; byBand: Map<number, string[]> } {
  const byBand = new Map<number, string[]>();
  const seen = new Set<string>();
  const result = new Map<string, number>();
  const pinned = new Set<number>();
  for (const match of matches) {
    const key = routeKey(match);
    if (seen.has(key)) throw new Error(`duplicate route ${key}`);
    seen.add(key);
    if (match.priority !== undefined) {
      if (!Number.isInteger(match.priority) || match.priority < from || match.priority > to) {
        throw new Error(`priority ${match.priority} of route ${key} is outside ${from}..${to}`);
      }
      if (pinned.has(match.priority)) throw new Error(`priority ${match.priority} is pinned by two routes`);
      pinned.add(match.priority);
      result.set(key, match.priority);
      continue;
    }
    const band = specificityBand(match);
    byBand.set(band, [...(byBand.get(band) ?? []), key]);
  }
  return { result, pinned, byBand };
}

/**
 * Stable routes pinned to the slot their key hashes to in their band's stable region (probing past pins, smaller keys
 * first): they never depend on the band's other routes, and never take a priority one of those holds.
 */
export function withStablePins(matches: readonly RouteMatch[]): RouteMatch[] {
  const taken = new Set(matches.filter((m) => m.priority !== undefined).map((m) => m.priority!));
  const stable = matches.filter((m) => m.stable && m.priority === undefined).sort((a, b) => (routeKey(a) < routeKey(b) ? -1 : routeKey(a) > routeKey(b) ? 1 : 0));
  const pins = new Map<RouteMatch, number>();
  for (const match of stable) {
    const base = specificityBand(match) * BAND_SIZE + 2 * HALF_BAND_SIZE + 1;
    const preferred = fnv1a(routeKey(match)) % STABLE_SLOTS;
    let slot = preferred;
    while (taken.has(base + slot)) {
      slot = (slot + 1) % STABLE_SLOTS;
      if (slot === preferred) throw new Error(`more than ${STABLE_SLOTS} blue/green routes of the same specificity: no stable priority left for ${routeKey(match)}`);
    }
    taken.add(base + slot);
    pins.set(match, base + slot);
  }
  return matches.map((m) => (pins.has(m) ? { ...m, priority: pins.get(m) } : m));
}

/** The assignment from the routes alone: band by specificity, half by parity, slot by hash; stable routes pinned. */
function statelessAssignment(matches: readonly RouteMatch[]): { priorities: Map<string, number>; displaced: DisplacedRoute[] } {
  const { result, pinned, byBand } = pinsAndBands(withStablePins(matches), 1, MAX_PRIORITY);

  const displaced: DisplacedRoute[] = [];
  for (const [band, keys] of byBand) {
    if (keys.length > HALF_BAND_SIZE) {
      throw new Error(`${keys.length} routes of the same specificity exceed the ${HALF_BAND_SIZE} priorities reserved for it`);
    }
    const base = band * BAND_SIZE + bandHalf(keys.length) * HALF_BAND_SIZE + 1;
    const holder = new Map<number, string>();
    for (let slot = 0; slot < HALF_BAND_SIZE; slot++) {
      if (pinned.has(base + slot)) holder.set(slot, 'a pinned priority');
    }
    for (const key of [...keys].sort()) {
      const preferred = preferredSlot(key);
      if (holder.size >= HALF_BAND_SIZE) throw new Error(`routes and pinned priorities of one specificity exceed the ${HALF_BAND_SIZE} priorities reserved for it`);
      let slot = preferred;
      while (holder.has(slot)) slot = (slot + 1) % HALF_BAND_SIZE;
      holder.set(slot, key);
      result.set(key, base + slot);
      if (slot !== preferred) displaced.push({ key, displacedBy: holder.get(preferred)!, priority: base + slot });
    }
  }
  return { priorities: result, displaced };
}

/**
 * Moves from the deployed priorities towards the stateless ones without ever taking a priority a deployed rule holds:
 * a rule takes its stateless priority when it is free; otherwise it keeps its deployed priority when no rule is bound
 * for it, else (and for a new rule) takes a free priority of its band that no deployed rule holds and no rule is bound
 * for. After one such deploy every rule is on its stateless priority or on one nobody is bound for, so the next deploy
 * of the same routes finds every stateless priority free.
 */
function converge(matches: readonly RouteMatch[], stateless: { priorities: Map<string, number>; displaced: DisplacedRoute[] }, deployed: readonly DeployedRule[]): PriorityAssignment {
  const deployedById = new Map(deployed.map((d) => [d.ruleId, d.priority]));
  const pins = new Set(matches.filter((m) => m.priority !== undefined).map((m) => m.priority!));
  const held = new Set(deployedById.values());
  const bound = new Set(stateless.priorities.values());
  const result = new Map<string, number>();
  const waiting: RouteMatch[] = [];
  const sorted = [...matches].sort((a, b) => (routeKey(a) < routeKey(b) ? -1 : routeKey(a) > routeKey(b) ? 1 : 0));
  for (const match of sorted) {
    const key = routeKey(match);
    const target = stateless.priorities.get(key)!;
    const current = match.ruleId === undefined ? undefined : deployedById.get(match.ruleId);
    // A pin is a deliberate move: it wins even over a held priority (the update check and a synth warning report that).
    if (match.priority !== undefined) result.set(key, target);
    // A deployed stable rule (blue/green) never moves: any update of it resends the weights ECS set. Its priority is
    // held, so no other rule is given it; only a user's pin on it moves it.
    else if (match.stable && current !== undefined && !pins.has(current)) result.set(key, current);
    else if (current === target || !held.has(target)) result.set(key, target);
    else if (current !== undefined && !bound.has(current)) result.set(key, current);
    else waiting.push(match);
  }
  const taken = new Set(result.values());
  for (const match of waiting) {
    const band = specificityBand(match);
    const target = stateless.priorities.get(routeKey(match))!;
    let free: number | undefined;
    for (let i = 1; i <= BAND_SIZE && free === undefined; i++) {
      const p = band * BAND_SIZE + ((target - 1 - band * BAND_SIZE + i) % BAND_SIZE) + 1;
      if (!held.has(p) && !bound.has(p) && !taken.has(p)) free = p;
    }
    if (free === undefined) throw new Error(`no free priority for route ${routeKey(match)}: its specificity's ${BAND_SIZE} priorities are held or bound for`);
    result.set(routeKey(match), free);
    taken.add(free);
  }
  const pending = [...result].filter(([key, p]) => stateless.priorities.get(key) !== p).map(([key]) => key);
  return { priorities: result, displaced: stateless.displaced, pending };
}

/** Highest priority {@link assignPriorities} can return: within ALB's limit of 50,000. */
export const HIGHEST_ASSIGNED_PRIORITY = HOST_BANDS * PATH_BANDS * BAND_SIZE;
