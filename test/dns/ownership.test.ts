import { matchesNamePattern, outsideBounds, scopeFromEnv, selectGroups, sharedWithForeign } from '../../lambda/asg-dns-updater/ownership';
import { GroupState } from '../../lambda/asg-dns-updater/reconcile';

const ZONE = 'Z0123456789ABCDEFGHIJ';
const g = (name: string, tags: Record<string, string>): GroupState => ({ name, tags, instances: [] });

describe('record-name patterns (IAM StringLike on normalised names)', () => {
  test.each([
    ['app.qa.example.com', '*.qa.example.com', true],
    ['a.b.qa.example.com', '*.qa.example.com', true], // * crosses dots, as in IAM
    ['qa.example.com', '*.qa.example.com', false],
    ['evilqa.example.com', '*.qa.example.com', false],
    ['app1.qa.example.com', 'app?.qa.example.com', true],
    ['app12.qa.example.com', 'app?.qa.example.com', false],
    ['appxqaxexamplexcom', 'app.qa.example.com', false], // dots are literal
  ])('%s against %s: %s', (name, pattern, expected) => {
    expect(matchesNamePattern(name, pattern)).toBe(expected);
  });
});

describe('scope from the environment', () => {
  test('owner, and tag-only bounds normalised (zone ids bare and upper case, names lower case without the dot)', () => {
    expect(scopeFromEnv({ DNS_UPDATER_OWNER: 'QaBranchA', DNS_UPDATER_TAGGED_ZONES: `/hostedzone/${ZONE.toLowerCase()}, ZB`, DNS_UPDATER_TAGGED_NAMES: '*.QA.example.com.' }))
      .toEqual({ owner: 'QaBranchA', groups: [], lifecycleGroups: [], tagged: { zones: [ZONE, 'ZB'], names: ['*.qa.example.com'] } });
  });

  test('tag-only mode is off without zones or names (the construct sets them empty)', () => {
    expect(scopeFromEnv({ DNS_UPDATER_OWNER: 'A', DNS_UPDATER_TAGGED_ZONES: '', DNS_UPDATER_TAGGED_NAMES: '' }).tagged).toBeUndefined();
    expect(scopeFromEnv({ DNS_UPDATER_OWNER: 'A', DNS_UPDATER_TAGGED_ZONES: ZONE }).tagged).toBeUndefined();
  });
});

describe('which groups an updater acts on', () => {
  const mine = g('mine', { DomainMeta: `${ZONE}:app.example.com`, DomainMetaOwner: 'A' });
  const theirs = g('theirs', { DomainMeta: `${ZONE}:app.example.com`, DomainMetaOwner: 'B' });
  const unownedInside = g('legacy', { DomainMeta: `${ZONE}:web.qa.example.com` });
  const unownedOutside = g('rogue', { DomainMeta: `${ZONE}:www.example.com` });
  const unownedBroken = g('broken', { DomainMeta: 'nonsense' });

  test('without tag-only mode: only its own groups', () => {
    const s = selectGroups([mine, theirs, unownedInside], { owner: 'A', groups: ['mine'] });
    expect(s.groups.map((x) => x.name)).toEqual(['mine']);
    expect(s.foreign.map((x) => x.name)).toEqual(['theirs', 'legacy']);
    expect(s.refused).toEqual([]);
  });

  test('with tag-only mode: also unowned groups inside the bounds; outside ones are refused with the reason; malformed tags are kept for the log', () => {
    const s = selectGroups([mine, theirs, unownedInside, unownedOutside, unownedBroken], { owner: 'A', groups: ['mine'], tagged: { zones: [ZONE], names: ['*.qa.example.com'] } });
    expect(s.groups.map((x) => x.name)).toEqual(['mine', 'legacy', 'broken']);
    expect(s.foreign.map((x) => x.name)).toEqual(['theirs']);
    expect(s.refused).toEqual([{ group: 'rogue', reason: expect.stringMatching(/names Z0123456789ABCDEFGHIJ:www\.example\.com, but www\.example\.com matches none of the declared record names \(\*\.qa\.example\.com\): refused/) }]);
  });

  test('per-instance records need a pattern of their own', () => {
    const bounds = { zones: [ZONE], names: ['web.qa.example.com'] };
    expect(outsideBounds({ zoneId: ZONE, recordName: 'web.qa.example.com' }, false, bounds)).toBeUndefined();
    expect(outsideBounds({ zoneId: ZONE, recordName: 'web.qa.example.com' }, true, bounds)).toMatch(/per-instance names like i-0123456789abcdef0\.web\.qa\.example\.com/);
    expect(outsideBounds({ zoneId: ZONE, recordName: 'web.qa.example.com' }, true, { ...bounds, names: [...bounds.names, 'i-*.web.qa.example.com'] })).toBeUndefined();
  });

  test("a record this updater writes that another updater's group also names is reported (the two would overwrite each other)", () => {
    expect(sharedWithForeign(new Set([`${ZONE}:app.example.com`]), [theirs])).toEqual([expect.stringMatching(/group theirs \(DomainMetaOwner=B\) also names .* give groups that share a record one updater/)]);
    expect(sharedWithForeign(new Set([`${ZONE}:other.example.com`]), [theirs])).toEqual([]);
  });
});
