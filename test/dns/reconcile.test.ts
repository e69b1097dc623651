import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { parseInvocation } from '../../lambda/asg-dns-updater/events';
import {
  ExistingRecordSet, GroupState, RecordChange, indexGroups, inServiceInstances, pickAddress, reconcile, toBatches,
} from '../../lambda/asg-dns-updater/reconcile';
import { parseDomainMeta, parseOptions } from '../../lib/dns/contract';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'aws-events');
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));

describe('DomainMeta tag', () => {
  test.each([
    ['Z123ABC:app.example.com', 'Z123ABC', 'app.example.com'],
    ['/hostedzone/Z123ABC:app.example.com', 'Z123ABC', 'app.example.com'],
    ['hostedzone/z123abc:App.Example.COM.', 'Z123ABC', 'app.example.com'],
    ['  Z123ABC : app.example.com.  ', 'Z123ABC', 'app.example.com'],
  ])('accepts the loose spelling %j', (value, zoneId, recordName) => {
    expect(parseDomainMeta(value)).toEqual({ ok: true, value: { zoneId, recordName } });
  });

  test.each([undefined, '', 'app.example.com', 'Z123:', ':app.example.com', 'notazone:app.example.com', 'Z123:*.example.com', 'Z123:localhost'])(
    'rejects %j with a reason', (value) => {
      const parsed = parseDomainMeta(value as any);
      expect(parsed.ok).toBe(false);
      expect((parsed as any).reason).toMatch(/DomainMeta|tag/);
    });

  test('options: defaults, values and typos', () => {
    expect(parseOptions(undefined)).toEqual({ ok: true, value: { ttl: 60, address: undefined, whenEmpty: 'keep', perInstance: false } });
    expect(parseOptions('ttl=10,address=ipv6;whenEmpty=delete perInstance=true')).toEqual({ ok: true, value: { ttl: 10, address: 'ipv6', whenEmpty: 'delete', perInstance: true } });
    expect(parseOptions('tll=10')).toMatchObject({ ok: false, reason: expect.stringMatching(/tll=10/) });
  });
});

describe('event parsing', () => {
  test('EventBridge launch, terminate and lifecycle events', () => {
    expect(parseInvocation(fixture('eventbridge-launch-successful.json'))).toEqual([
      expect.objectContaining({ kind: 'instance', groupName: 'my-asg', instanceId: 'i-1234567890abcdef0', transition: 'launch' }),
    ]);
    expect(parseInvocation(fixture('eventbridge-terminate-successful.json'))[0]).toMatchObject({ transition: 'terminate' });
    expect(parseInvocation(fixture('eventbridge-terminate-lifecycle-action.json'))[0]).toMatchObject({
      transition: 'terminate', lifecycle: { hookName: 'my-lifecycle-hook', token: '87654321-4321-4321-4321-210987654321' },
    });
    expect(parseInvocation(fixture('eventbridge-launch-lifecycle-action.json'))[0]).toMatchObject({ transition: 'launch' });
    expect(parseInvocation(fixture('documented/warmpool-eventbridge-terminate-lifecycle-asg-to-warmpool.json'))[0]).toMatchObject({ transition: 'terminate' });
    expect(parseInvocation(fixture('documented/legacy2023-eventbridge-instance-launch-successful.json'))[0]).toMatchObject({ kind: 'instance', transition: 'launch' });
  });

  test('SNS notifications: JSON, the documented text form, lifecycle messages; TEST_NOTIFICATION is ignored', () => {
    expect(parseInvocation(fixture('sns-launch-notification.json'))).toEqual([
      expect.objectContaining({ kind: 'instance', groupName: 'my-asg', instanceId: 'i-1234567890abcdef0', transition: 'launch' }),
    ]);
    expect(parseInvocation(fixture('sns-test-notification.json'))).toEqual([{ kind: 'ignore', reason: 'autoscaling:TEST_NOTIFICATION' }]);
    const wrap = (Message: string) => ({ Records: [{ EventSource: 'aws:sns', Sns: { Message } }] });
    const text = fs.readFileSync(path.join(FIXTURES, 'documented/awsdocs-text-sns-asg-ec2-instance-launch.txt'), 'utf8');
    expect(parseInvocation(wrap(text))[0]).toMatchObject({ kind: 'instance', instanceId: 'i-0598c7d356eba48d7', transition: 'launch' });
    const testText = fs.readFileSync(path.join(FIXTURES, 'documented/awsdocs-text-lifecycle-test-notification.txt'), 'utf8');
    expect(parseInvocation(wrap(testText))[0]).toMatchObject({ kind: 'ignore' });
    const terminate = JSON.parse(fixture('documented/sns-http-body-asg-lifecycle-terminating.json').Message);
    expect(parseInvocation(wrap(JSON.stringify(terminate)))[0]).toMatchObject({
      transition: 'terminate', lifecycle: { token: '2f346e45-4866-4bf1-a752-f6eea23011c7' },
    });
    const sns = fixture('documented/sns-message-asg-ec2-instance-terminate.json');
    expect(parseInvocation(wrap(JSON.stringify(sns)))[0]).toMatchObject({ transition: 'terminate', instanceId: 'i-0bc09f781ddd6f516' });
  });

  test('schedules reconcile; unknown events are ignored, not failures', () => {
    expect(parseInvocation({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })).toEqual([{ kind: 'reconcile', source: 'schedule' }]);
    expect(parseInvocation({ source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification' })[0]).toMatchObject({ kind: 'ignore' });
    expect(parseInvocation({ source: 'aws.autoscaling', 'detail-type': 'EC2 Auto Scaling Instance Refresh Started', detail: { AutoScalingGroupName: 'g' } })[0]).toMatchObject({ kind: 'ignore' });
    expect(parseInvocation('nonsense')[0]).toMatchObject({ kind: 'ignore' });
  });
});

describe('group state', () => {
  const group = (name: string, tag: string | undefined, instances: Array<[string, string]>, status?: string): GroupState => ({
    name, status, tags: tag === undefined ? {} : { DomainMeta: tag }, instances: instances.map(([instanceId, lifecycleState]) => ({ instanceId, lifecycleState })),
  });

  test('groups sharing a record name (in any spelling) share one record; deleting groups are set apart', () => {
    const index = indexGroups([
      group('blue', 'Z1:app.example.com', []),
      group('green', '/hostedzone/z1:APP.example.com.', []),
      group('old', 'Z1:app.example.com', [], 'Delete in progress'),
      group('bad', 'garbage', []),
    ]);
    const rec = index.records.get('Z1:app.example.com')!;
    expect(rec.members.map((g) => g.name)).toEqual(['blue', 'green']);
    expect(rec.deleting.map((g) => g.name)).toEqual(['old']);
    expect(index.invalid.get('bad')).toMatch(/not <HostedZoneId>:<RecordName>/);
  });

  test('only InService counts; a terminating instance named by an event is out even if the group lags; Pending:Proceed joins only when launched', () => {
    const g = group('g', 'Z1:a.example.com', [['i-1', 'InService'], ['i-2', 'InService'], ['i-3', 'Pending:Proceed'], ['i-4', 'Standby'], ['i-5', 'Terminating:Wait']]);
    expect(inServiceInstances([g], new Set(), new Set())).toEqual(['i-1', 'i-2']);
    expect(inServiceInstances([g], new Set(['i-2']), new Set(['i-3']))).toEqual(['i-1', 'i-3']);
  });

  test('addresses: the wanted kind or nothing, never garbage', () => {
    const a = { publicIpv4: '203.0.113.7', privateIpv4: '10.0.0.7', ipv6: '2001:DB8::7' };
    expect(pickAddress(a, 'public')).toBe('203.0.113.7');
    expect(pickAddress(a, 'private')).toBe('10.0.0.7');
    expect(pickAddress(a, 'ipv6')).toBe('2001:db8::7');
    expect(pickAddress({ privateIpv4: '10.0.0.7' }, 'public')).toBeUndefined();
    expect(pickAddress({ publicIpv4: '' }, 'public')).toBeUndefined();
    expect(pickAddress({ publicIpv4: 'None' }, 'public')).toBeUndefined();
    expect(pickAddress(undefined, 'public')).toBeUndefined();
  });
});

describe('reconcile', () => {
  const base = { recordName: 'app.example.com', type: 'A' as const, ttl: 60, whenEmpty: 'keep' as const, perInstance: false, cleanup: false };
  const t = (n: number) => ({ instanceId: `i-0000000${n}`.padEnd(19, '0'), address: `198.51.100.${n}` });

  test('writes the in-service set; nothing when already equal (any order)', () => {
    expect(reconcile({ ...base, targets: [t(1), t(2)], existing: [] }).changes).toEqual([
      { action: 'UPSERT', name: 'app.example.com', type: 'A', ttl: 60, values: ['198.51.100.1', '198.51.100.2'] },
    ]);
    const existing: ExistingRecordSet[] = [{ name: 'app.example.com', type: 'A', ttl: 60, values: ['198.51.100.2', '198.51.100.1'] }];
    expect(reconcile({ ...base, targets: [t(1), t(2)], existing }).changes).toEqual([]);
    expect(reconcile({ ...base, ttl: 30, targets: [t(1), t(2)], existing }).changes).toHaveLength(1);
  });

  test('empty: keeps the last values by default, deletes them (with the exact current values) when asked', () => {
    const existing: ExistingRecordSet[] = [{ name: 'app.example.com', type: 'A', ttl: 10, values: ['198.51.100.9'] }];
    expect(reconcile({ ...base, targets: [], existing }).changes).toEqual([]);
    expect(reconcile({ ...base, whenEmpty: 'delete', targets: [], existing }).changes).toEqual([
      { action: 'DELETE', name: 'app.example.com', type: 'A', ttl: 10, values: ['198.51.100.9'] },
    ]);
    expect(reconcile({ ...base, whenEmpty: 'delete', targets: [], existing: [] }).changes).toEqual([]);
  });

  describe('more addresses than the 400 a record holds (issue 22, item 7)', () => {
    const addr = (i: number) => `10.0.${i >> 8}.${i & 255}`;
    const many = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ instanceId: `i-${String(from + i).padStart(17, '0')}`, address: addr(from + i) }));
    const full = (values: string[]): ExistingRecordSet[] => [{ name: 'app.example.com', type: 'A', ttl: 60, values }];

    test('a departing instance is still removed: the record keeps its wanted values and fills the room, with an error for the alarm', () => {
      // 400 in the record; instance 0 departs; 401 remain (1..401): 1..399 stay, one newcomer (400) takes the free place.
      const existing = full(many(400).map((x) => x.address));
      const plan = reconcile({ ...base, targets: many(401, 1), existing });
      expect(plan.errors[0]).toMatch(/401 instances have an address, more than the 400 values .*departed instances removed/);
      expect(plan.changes).toHaveLength(1);
      const written = plan.changes[0].values;
      expect(written).toHaveLength(400);
      expect(written).not.toContain(addr(0));
      expect(written).toEqual(expect.arrayContaining(many(399, 1).map((x) => x.address)));
    });

    test('nothing is written when the record already holds 400 wanted values', () => {
      const plan = reconcile({ ...base, targets: many(401), existing: full(many(400).map((x) => x.address)) });
      expect(plan.changes).toEqual([]);
      expect(plan.errors).toHaveLength(1);
    });

    test('property: never more than 400 values, never a departed address, every still-wanted current value kept', () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 401, max: 460 }), fc.integer({ min: 0, max: 60 }), (inRecord, wantedCount, offset) => {
        const current = many(inRecord).map((x) => x.address);
        const targets = many(wantedCount, offset);
        const wanted = new Set(targets.map((x) => x.address));
        const plan = reconcile({ ...base, targets, existing: inRecord > 0 ? full(current) : [] });
        const after = plan.changes.length > 0 ? plan.changes[0].values : current;
        expect(after.length).toBeLessThanOrEqual(400);
        expect(after.every((v) => wanted.has(v))).toBe(true);
        for (const v of current) if (wanted.has(v)) expect(after).toContain(v);
      }), { numRuns: 60 });
    });
  });

  describe('an in-service instance whose address is unknown (issue 22, item 5)', () => {
    const existing: ExistingRecordSet[] = [{ name: 'app.example.com', type: 'A', ttl: 60, values: ['198.51.100.1', '198.51.100.2', '198.51.100.3'] }];

    test('values that may be its address stay, a departed instance still leaves, a known newcomer still joins', () => {
      // 1 in service and known, 2 perhaps the unknown instance's, 3 departing (EC2 returned it, not in service), 4 new.
      const plan = reconcile({ ...base, targets: [t(1), t(4)], existing, unknownInstanceIds: ['i-0000000900000000'], departedAddresses: ['198.51.100.3'] });
      expect(plan.changes).toEqual([{ action: 'UPSERT', name: 'app.example.com', type: 'A', ttl: 60, values: ['198.51.100.1', '198.51.100.2', '198.51.100.4'] }]);
      expect(plan.errors).toEqual([]);
      expect(plan.notes.join(' ')).toMatch(/i-0000000900000000 in service but not returned running by EC2/);
    });

    test('the record is never emptied nor deleted while an instance is unknown', () => {
      const plan = reconcile({ ...base, whenEmpty: 'delete', targets: [], existing: [{ ...existing[0], values: ['198.51.100.3'] }], unknownInstanceIds: ['i-0000000900000000'], departedAddresses: ['198.51.100.3'] });
      expect(plan.changes).toEqual([]);
    });

    test('its per-instance record stays', () => {
      const perInstance: ExistingRecordSet[] = [...existing, { name: 'i-0000000900000000.app.example.com', type: 'A', ttl: 60, values: ['198.51.100.2'] }];
      const plan = reconcile({ ...base, perInstance: true, targets: [t(1)], existing: perInstance, unknownInstanceIds: ['i-0000000900000000'], departedAddresses: ['198.51.100.3'] });
      expect(plan.changes.filter((c) => c.action === 'DELETE')).toEqual([]);
    });
  });

  test('an alias or routing-policy record at the name is not ours: error, untouched', () => {
    const plan = reconcile({ ...base, targets: [t(1)], existing: [{ name: 'app.example.com', type: 'A', values: [], special: true }] });
    expect(plan.changes).toEqual([]);
    expect(plan.errors[0]).toMatch(/alias/);
  });

  test('per-instance records: added, updated, removed; foreign names below the record are left alone', () => {
    const a = t(1);
    const existing: ExistingRecordSet[] = [
      { name: `${a.instanceId}.app.example.com`, type: 'A', ttl: 60, values: ['192.0.2.1'] },
      { name: 'i-0123456789abcdef0.app.example.com', type: 'A', ttl: 60, values: ['192.0.2.2'] },
      { name: 'db.app.example.com', type: 'A', ttl: 60, values: ['192.0.2.3'] },
      { name: 'i-0123456789abcdef0.app.example.com', type: 'TXT', ttl: 60, values: ['"x"'] },
    ];
    const plan = reconcile({ ...base, perInstance: true, targets: [a, t(2)], existing });
    expect(plan.changes.map((c) => `${c.action} ${c.name} ${c.type}`)).toEqual([
      'UPSERT app.example.com A',
      `UPSERT ${a.instanceId}.app.example.com A`,
      `UPSERT ${t(2).instanceId}.app.example.com A`,
      'DELETE i-0123456789abcdef0.app.example.com A',
    ]);
  });

  test('cleanup deletes the managed records whatever whenEmpty says', () => {
    const existing: ExistingRecordSet[] = [
      { name: 'app.example.com', type: 'A', ttl: 60, values: ['192.0.2.1'] },
      { name: 'app.example.com', type: 'MX', ttl: 60, values: ['10 mail.example.com'] },
    ];
    expect(reconcile({ ...base, cleanup: true, targets: [], existing }).changes).toEqual([
      { action: 'DELETE', name: 'app.example.com', type: 'A', ttl: 60, values: ['192.0.2.1'] },
    ]);
  });

  test('batches respect 1,000 records and 32,000 characters per request, UPSERT counting twice', () => {
    const changes: RecordChange[] = Array.from({ length: 1200 }, (_, i) => ({ action: 'UPSERT', name: `i-${i}.a.example.com`, type: 'A', ttl: 60, values: ['203.0.113.250'] }));
    const batches = toBatches(changes);
    expect(batches.map((b) => b.length)).toEqual([500, 500, 200]);
    expect(toBatches([])).toEqual([]);
  });
});

describe('reconcile properties', () => {
  const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((p) => p.join('.'));
  const instanceId = fc.stringMatching(/^i-[0-9a-f]{17}$/);
  const targets = fc.uniqueArray(fc.record({ instanceId, address: ipv4 }), { selector: (x) => x.instanceId, maxLength: 60 })
    .map((xs) => { const seen = new Set<string>(); return xs.filter((x) => !seen.has(x.address) && seen.add(x.address)); });
  const name = fc.constantFrom('app.example.com', 'other.example.com', 'x.app.example.com', 'i-0123456789abcdef0.app.example.com', 'example.com');
  const existing = fc.array(fc.record({
    name, type: fc.constantFrom('A', 'AAAA', 'TXT', 'MX'), ttl: fc.constantFrom(10, 60),
    values: fc.array(ipv4, { minLength: 1, maxLength: 5 }), special: fc.boolean(),
  }), { maxLength: 8 }).map((rs) => {
    const seen = new Set<string>();
    return rs.filter((r) => !seen.has(`${r.name} ${r.type}`) && seen.add(`${r.name} ${r.type}`));
  });

  test('after applying the plan the record equals the in-service set, no change is ever empty, foreign records are never touched', () => {
    fc.assert(fc.property(targets, existing, fc.constantFrom('keep', 'delete'), fc.boolean(), (ts, ex, whenEmpty, perInstance) => {
      const input = { recordName: 'app.example.com', type: 'A' as const, ttl: 60, whenEmpty: whenEmpty as 'keep' | 'delete', perInstance, cleanup: false, targets: ts, existing: ex };
      const plan = reconcile(input);
      for (const c of plan.changes) {
        expect(c.values.length).toBeGreaterThan(0);
        expect(c.type).toBe('A');
        const managed = c.name === 'app.example.com' || (perInstance && /^i-[0-9a-f]{8,17}\.app\.example\.com$/.test(c.name));
        expect(managed).toBe(true);
        const cur = ex.find((r) => r.name === c.name && r.type === c.type);
        expect(cur?.special ?? false).toBe(false);
        if (c.action === 'DELETE') expect(c.values).toEqual(cur!.values);
      }
      // Apply and check the record.
      const after = new Map<string, readonly string[]>(ex.map((r) => [`${r.name} ${r.type}`, r.values]));
      for (const c of plan.changes) {
        if (c.action === 'UPSERT') after.set(`${c.name} ${c.type}`, c.values); else after.delete(`${c.name} ${c.type}`);
      }
      const main = ex.find((r) => r.name === 'app.example.com' && r.type === 'A');
      const record = after.get('app.example.com A');
      if (main?.special) {
        expect(plan.errors.length).toBeGreaterThan(0);
      } else if (ts.length > 0) {
        expect([...record!].sort()).toEqual(ts.map((x) => x.address).sort());
      } else if (whenEmpty === 'keep') {
        expect(record).toEqual(main?.values);
      } else {
        expect(record).toBeUndefined();
      }
      // A second pass over the result writes nothing.
      const again = reconcile({ ...input, existing: [...after].map(([k, values]) => {
        const [n, type] = k.split(' ');
        const prev = ex.find((r) => r.name === n && r.type === type);
        const changed = plan.changes.find((c) => c.name === n && c.type === type);
        return { name: n, type, ttl: changed ? 60 : prev!.ttl, values, special: changed ? false : prev!.special };
      }) });
      expect(again.changes).toEqual([]);
    }), { numRuns: 300 });
  });
});
