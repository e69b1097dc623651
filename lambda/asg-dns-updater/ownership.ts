/**
 * Which groups an updater acts on (pure: no AWS calls). Several updaters share an account and region (one per
 * environment, QA branches included); each acts only on:
 * - its **own** groups: those named in its configuration (the groups its `AsgDnsRecord`s were given, by name in the
 *   function's environment, which only its own stack sets). A tag is never proof of ownership: any stack may tag its
 *   own group `DomainMetaOwner=<our stack>` and name our record, and such a group must not add its instances to our
 *   record, impose its options on it, or block it with an unreadable options tag;
 * - in tag-only mode, **unowned** groups (neither wired nor carrying a `DomainMetaOwner` tag) whose `DomainMeta` names a
 *   declared hosted zone and a record name matching a declared pattern. The IAM policy enforces the same bounds; this
 *   check is defence in depth and gives a clear log instead of an AccessDenied.
 * Other groups are never looked at further: their zones may be denied to this updater.
 */
import { GroupState } from './reconcile';
import {
  DOMAIN_META_OPTIONS_TAG, DOMAIN_META_OWNER_TAG, DOMAIN_META_TAG, RecordKey, UPDATER_ENV, keyString, parseDomainMeta,
  parseOptions, perInstanceSample,
} from '../../lib/dns/contract';

/** What the updater was set up for. */
export interface UpdaterScope {
  /** This updater's owner id (its stack name): logs only. */
  readonly owner: string;
  /** The names of the groups wired to this updater: its own groups. */
  readonly groups: readonly string[];
  /** Tag-only groups whose drain lifecycle actions the updater may complete (its own groups always may). */
  readonly lifecycleGroups?: readonly string[];
  /** Tag-only mode bounds; undefined when the mode is off. */
  readonly tagged?: { readonly zones: readonly string[]; readonly names: readonly string[] };
}

/** Reads the scope from the function's environment. */
export function scopeFromEnv(env: Readonly<Record<string, string | undefined>>): UpdaterScope {
  const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const zones = list(env[UPDATER_ENV.taggedZones]).map(normaliseZoneId);
  const names = list(env[UPDATER_ENV.taggedNames]).map((n) => n.toLowerCase().replace(/\.$/, ''));
  return {
    owner: env[UPDATER_ENV.owner] ?? '',
    groups: list(env[UPDATER_ENV.groups]),
    lifecycleGroups: list(env[UPDATER_ENV.lifecycleGroups]),
    tagged: zones.length > 0 && names.length > 0 ? { zones, names } : undefined,
  };
}

function normaliseZoneId(id: string): string {
  return id.trim().replace(/^\/?hostedzone\//i, '').toUpperCase();
}

/**
 * IAM `StringLike` on a normalised record name: `*` matches any run of characters (dots included), `?` one character.
 * Names and patterns are lower case without a trailing dot, as Route 53 normalises them for IAM.
 */
export function matchesNamePattern(name: string, pattern: string): boolean {
  const re = pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
  return new RegExp(`^${re}$`).test(name);
}

/** Why an unowned group's record is outside the tag-only bounds, or undefined when it is inside. */
export function outsideBounds(key: RecordKey, perInstance: boolean, bounds: NonNullable<UpdaterScope['tagged']>): string | undefined {
  if (!bounds.zones.includes(key.zoneId)) return `hosted zone ${key.zoneId} is not one of the declared zones (${bounds.zones.join(', ')})`;
  const fits = (name: string) => bounds.names.some((p) => matchesNamePattern(name, p));
  if (!fits(key.recordName)) return `${key.recordName} matches none of the declared record names (${bounds.names.join(', ')})`;
  if (perInstance && !fits(perInstanceSample(key.recordName))) {
    return `perInstance=true, but per-instance names like ${perInstanceSample(key.recordName)} match none of the declared record names (${bounds.names.join(', ')})`;
  }
  return undefined;
}

/** The groups an updater acts on, and the ones it refused or saw belonging to another updater. */
export interface GroupSelection {
  readonly groups: GroupState[];
  /** Unowned groups outside the tag-only bounds: logged, never written. */
  readonly refused: Array<{ readonly group: string; readonly reason: string }>;
  /** Groups this updater was not given (whatever their owner tag says), or unowned groups while tag-only mode is off. */
  readonly foreign: GroupState[];
}

/** Splits the groups carrying `DomainMeta` into this updater's and the others. */
export function selectGroups(all: readonly GroupState[], scope: UpdaterScope): GroupSelection {
  const groups: GroupState[] = [];
  const refused: Array<{ group: string; reason: string }> = [];
  const foreign: GroupState[] = [];
  const own = new Set(scope.groups);
  for (const g of all) {
    if (own.has(g.name)) { groups.push(g); continue; }
    const owner = g.tags[DOMAIN_META_OWNER_TAG];
    if (owner !== undefined && owner !== '') {
      if (owner === scope.owner) {
        refused.push({ group: g.name, reason: `${DOMAIN_META_OWNER_TAG} names this updater, but the group is not one of the groups its AsgDnsRecords were given: ignored (a tag is no proof of ownership; another stack may set it)` });
      } else {
        foreign.push(g);
      }
      continue;
    }
    if (!scope.tagged) { foreign.push(g); continue; }
    const meta = parseDomainMeta(g.tags[DOMAIN_META_TAG]);
    if (!meta.ok) { groups.push(g); continue; } // the index logs why nothing is written for it
    const options = parseOptions(g.tags[DOMAIN_META_OPTIONS_TAG]);
    const why = outsideBounds(meta.value, options.ok && options.value.perInstance, scope.tagged);
    if (why) {
      refused.push({ group: g.name, reason: `${DOMAIN_META_TAG} names ${keyString(meta.value)}, but ${why}: refused, nothing written for it (tag-only mode writes only within the zones and names given to watchTaggedGroups)` });
    } else {
      groups.push(g);
    }
  }
  return { groups, refused, foreign };
}

/** Whether the updater may complete `group`'s drain lifecycle actions: its own groups, and the declared tag-only ones. */
export function mayCompleteLifecycle(group: string, scope: UpdaterScope): boolean {
  return scope.groups.includes(group) || (scope.lifecycleGroups ?? []).includes(group);
}

/** Notes for records this updater writes that another updater's groups also name (the two would fight). */
export function sharedWithForeign(ownKeys: ReadonlySet<string>, foreign: readonly GroupState[]): string[] {
  const notes: string[] = [];
  for (const g of foreign) {
    const meta = parseDomainMeta(g.tags[DOMAIN_META_TAG]);
    if (meta.ok && ownKeys.has(keyString(meta.value))) {
      notes.push(`group ${g.name} (${DOMAIN_META_OWNER_TAG}=${g.tags[DOMAIN_META_OWNER_TAG] ?? 'none'}) also names ${keyString(meta.value)}; it is not one of this updater's groups and does not count here, so two updaters would overwrite each other: give groups that share a record one updater (one stack)`);
    }
  }
  return notes;
}
