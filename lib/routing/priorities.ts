/**
 * Listener rule priorities, assigned for the user.
 *
 * Goals, in order:
 * 1. More specific routes win: a rule with a host beats one without; an exact path beats a
 *    pattern; a longer literal path prefix beats a shorter one (`/api/users/*` before `/api/*` before `/*`).
 * 2. Stable: a route's priority depends only on its own host and path (and, on a rare hash
 *    collision, on the routes it collides with), never on declaration order, so adding or
 *    removing a service does not renumber the others. CloudFormation then updates only the
 *    rules that really changed.
 * 3. Deterministic: the same routes always give the same priorities.
 *
 * How: the priority space 1..50,000 is cut into bands by specificity (host kind × path kind),
 * 250 slots per band. Within its band a route takes the slot given by a hash of its key;
 * collisions are settled by key order (the smaller key keeps its slot, the other probes on).
 *
 * With the deployed rules ({@link AssignOptions.deployed}) the assignment also never clashes during an update:
 * a rule that is already deployed keeps its deployed priority, and a new rule never takes a priority that any
 * deployed rule holds (a rule being deleted holds its priority until CloudFormation's cleanup phase, after every
 * create and update). See docs/routing.md, "Updates".
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
   * The listener's rules as last deployed. Each deployed rule keeps its priority; no other rule gets a priority a
   * deployed rule holds, so no update ever asks ALB for a priority another rule still has (\`PriorityInUse\`).
   *
   * @default - none: the assignment depends on the routes alone
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
}

/** ALB's highest listener rule priority. */
export const MAX_PRIORITY = 50_000;
/** Slots per specificity band. */
export const BAND_SIZE = 250;
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

/** The slot a route prefers within its band. */
export function preferredSlot(key: string): number {
  return fnv1a(key) % BAND_SIZE;
}

/**
 * Assigns a priority to every route of one listener.
 *
 * @returns a map from route key to priority
 * @throws when two routes share a key (the caller reports duplicates with service names first), when pinned
 *   priorities repeat or leave ALB's range, or when more than {@link BAND_SIZE} routes fall into one band
 */
export function assignPriorities(matches: readonly RouteMatch[], options: AssignOptions = {}): Map<string, number> {
  return assignPrioritiesDetailed(matches, options).priorities;
}

/**
 * {@link assignPriorities}, also reporting collisions. A displaced route's priority can move when a route whose key
 * sorts before the one holding its slot is added or removed; pin it (`priority`) to make it fixed.
 */
export function assignPrioritiesDetailed(matches: readonly RouteMatch[], options: AssignOptions = {}): PriorityAssignment {
  const byBand = new Map<number, string[]>();
  const seen = new Set<string>();
  const result = new Map<string, number>();
  const pinned = new Set<number>();
  const deployedById = new Map((options.deployed ?? []).map((d) => [d.ruleId, d.priority]));
  /** Priorities no new rule may take: every deployed rule holds its own until the update's cleanup. */
  const held = new Set(deployedById.values());
  const kept: Array<[string, number]> = [];
  for (const match of matches) {
    const key = routeKey(match);
    if (seen.has(key)) throw new Error(`duplicate route ${key}`);
    seen.add(key);
    if (match.priority !== undefined) {
      if (!Number.isInteger(match.priority) || match.priority < 1 || match.priority > MAX_PRIORITY) {
        throw new Error(`priority ${match.priority} of route ${key} is outside 1..${MAX_PRIORITY}`);
      }
      if (pinned.has(match.priority)) throw new Error(`priority ${match.priority} is pinned by two routes`);
      pinned.add(match.priority);
      result.set(key, match.priority);
      continue;
    }
    const deployed = match.ruleId === undefined ? undefined : deployedById.get(match.ruleId);
    if (deployed !== undefined) {
      kept.push([key, deployed]);
      continue;
    }
    const band = specificityBand(match);
    byBand.set(band, [...(byBand.get(band) ?? []), key]);
  }

  // A deployed rule keeps its priority unless the user pinned that priority for another route (a deliberate move).
  const taken = new Set(result.values());
  for (const [key, priority] of kept) {
    if (taken.has(priority)) {
      const match = matches.find((m) => routeKey(m) === key)!;
      const band = specificityBand(match);
      byBand.set(band, [...(byBand.get(band) ?? []), key]);
    } else {
      result.set(key, priority);
      taken.add(priority);
    }
  }

  const displaced: DisplacedRoute[] = [];
  for (const [band, keys] of byBand) {
    if (keys.length > BAND_SIZE) {
      throw new Error(`${keys.length} routes of the same specificity exceed the ${BAND_SIZE} priorities reserved for it`);
    }
    const holder = new Map<number, string>();
    for (let slot = 0; slot < BAND_SIZE; slot++) {
      const priority = band * BAND_SIZE + slot + 1;
      if (pinned.has(priority)) holder.set(slot, 'a pinned priority');
      else if (taken.has(priority) || held.has(priority)) holder.set(slot, 'a deployed rule');
    }
    for (const key of [...keys].sort()) {
      const preferred = preferredSlot(key);
      if (holder.size >= BAND_SIZE) throw new Error(`routes and pinned priorities of one specificity exceed the ${BAND_SIZE} priorities reserved for it`);
      let slot = preferred;
      while (holder.has(slot)) slot = (slot + 1) % BAND_SIZE;
      holder.set(slot, key);
      result.set(key, band * BAND_SIZE + slot + 1);
      if (slot !== preferred) displaced.push({ key, displacedBy: holder.get(preferred)!, priority: band * BAND_SIZE + slot + 1 });
    }
  }
  return { priorities: result, displaced };
}

/** Highest priority {@link assignPriorities} can return: within ALB's limit of 50,000. */
export const HIGHEST_ASSIGNED_PRIORITY = HOST_BANDS * PATH_BANDS * BAND_SIZE;
