import * as fc from 'fast-check';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { checkCidrs, checkDuration, checkPercent, checkWholeNumber, cidrRange, cidrsCoverEverything, cidrWithHostBitsCleared, parseCidr, wholeNumberProblem } from '../lib/validation';
import { unitTestApp } from './support/app';

const scope = () => new Stack(unitTestApp(), 'S');

describe('validation', () => {
  test('whole numbers: in range passes, fractions and values outside fail with the path, the value and the range', () => {
    expect(() => checkWholeNumber(scope(), 'count', 3, { min: 1, max: 5 })).not.toThrow();
    expect(() => checkWholeNumber(scope(), 'count', undefined, { min: 1 })).not.toThrow();
    expect(() => checkWholeNumber(scope(), 'count', 2.5, { min: 1, max: 5, unit: 'tasks' })).toThrow(/^S: count 2.5 is not valid\. Fix: use a whole number from 1 to 5 tasks\.$/);
    expect(() => checkWholeNumber(scope(), 'count', 0, { min: 1 })).toThrow(/count 0 is not valid\. Fix: use a whole number, 1 or more/);
  });

  test('tokens cannot be judged at synth and pass', () => {
    const token = Token.asNumber({ Ref: 'P' });
    expect(wholeNumberProblem(token, { min: 1, max: 2 })).toBeUndefined();
    expect(() => checkPercent(scope(), 'p', token)).not.toThrow();
    expect(() => checkDuration(scope(), 'd', Duration.seconds(token), { min: Duration.minutes(5) })).not.toThrow();
    expect(() => checkCidrs(scope(), 'c', [Token.asString({ Ref: 'Cidr' })])).not.toThrow();
  });

  test('whole numbers: the check agrees with the definition for any number', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.integer({ min: -10, max: 10 }), fc.integer({ min: 0, max: 20 }), (v, min, span) => {
      const ok = Number.isInteger(v) && v >= min && v <= min + span;
      expect(wholeNumberProblem(v, { min, max: min + span }) === undefined).toBe(ok);
    }));
  });

  test('percentages', () => {
    expect(() => checkPercent(scope(), 'minHealthy', 120)).toThrow(/minHealthy 120 is not valid\. Fix: use a whole percentage from 0 to 100/);
    expect(() => checkPercent(scope(), 'maxHealthy', 150, 100, 200)).not.toThrow();
  });

  test('durations: range, whole unit and the reason', () => {
    const range = { min: Duration.seconds(30), max: Duration.hours(2), wholeUnit: 'seconds' as const, why: 'the heartbeat range' };
    expect(() => checkDuration(scope(), 'drainTimeout', Duration.minutes(5), range)).not.toThrow();
    expect(() => checkDuration(scope(), 'drainTimeout', Duration.hours(3), range)).toThrow(/drainTimeout 3 hours is not valid\. Fix: use whole seconds, 30 seconds to 2 hours \(the heartbeat range\)/);
    expect(() => checkDuration(scope(), 'ttl', Duration.millis(1500), range)).toThrow(/ttl 1 second 500 millis is not valid/);
    expect(() => checkDuration(scope(), 'interval', Duration.seconds(90), { min: Duration.minutes(1), wholeUnit: 'minutes' })).toThrow(/use whole minutes, 1 minute or more/);
  });

  test('CIDR blocks: IPv4 and IPv6 parse; prefix lengths and octets are bounded', () => {
    expect(parseCidr('203.0.113.0/24')).toEqual({ version: 4, prefixLength: 24, address: 0xcb007100 });
    expect(parseCidr('2001:db8::/32')).toEqual({ version: 6, prefixLength: 32 });
    expect(parseCidr('10.0.0.0/33')).toMatch(/above \/32/);
    expect(parseCidr('2001:db8::/129')).toMatch(/above \/128/);
    expect(parseCidr('10.0.0.256/24')).toMatch(/above 255/);
    expect(parseCidr('10.0.0.0')).toMatch(/no prefix length/);
    expect(parseCidr('010.0.0.0/16')).toMatch(/octet has a leading zero/);
    expect(parseCidr('10.0.0.0/016')).toMatch(/prefix length '016' has a leading zero/);
    expect(parseCidr('10.0.0.0/0')).toEqual({ version: 4, prefixLength: 0, address: 0x0a000000 });
    expect(parseCidr('office/24')).toMatch(/not an IPv4 or IPv6 address/);
  });

  test('CIDR lists: empty is an error unless allowed; /0 only where allowed', () => {
    expect(() => checkCidrs(scope(), 'allowedCidrs', [])).toThrow(/allowedCidrs is empty\. Fix: list the address ranges/);
    expect(() => checkCidrs(scope(), 'allowedCidrs', [], { allowEmpty: true })).not.toThrow();
    expect(() => checkCidrs(scope(), 'allowedCidrs', ['0.0.0.0/0'], { allowAnywhere: false, what: 'office ranges' })).toThrow(/admits the whole internet\. Fix: list only the office ranges/);
    expect(() => checkCidrs(scope(), 'allowedCidrs', ['10.0.0.0/40'])).toThrow(/'10.0.0.0\/40', which is not a CIDR block: its prefix length \/40 is above \/32/);
  });

  test('host bits: a block with them set names the network it stands for, IPv4 and IPv6 (compressed)', () => {
    expect(cidrWithHostBitsCleared('203.0.113.7/24')).toBe('203.0.113.0/24');
    expect(cidrWithHostBitsCleared('203.0.113.0/24')).toBeUndefined();
    expect(cidrWithHostBitsCleared('203.0.113.7/32')).toBeUndefined();
    expect(cidrWithHostBitsCleared('10.1.2.3/0')).toBe('0.0.0.0/0');
    expect(cidrWithHostBitsCleared('2001:db8::1/32')).toBe('2001:db8::/32');
    expect(cidrWithHostBitsCleared('2001:db8:0:0:1:0:0:5/64')).toBe('2001:db8::/64');
    expect(cidrWithHostBitsCleared('2001:0:0:1:0:0:0:1/112')).toBe('2001:0:0:1::/112');
    expect(cidrWithHostBitsCleared('2001:db8::/32')).toBeUndefined();
    expect(cidrRange('2001:db8::/32')).toMatchObject({ version: 6, first: 0x20010db8n << 96n, last: (0x20010db8n << 96n) + (1n << 96n) - 1n });
  });

  test('coverage: blocks that together hold every address of a version cover everything, IPv4 and IPv6', () => {
    expect(cidrsCoverEverything(['0.0.0.0/1', '128.0.0.0/1'], 4)).toBe(true);
    expect(cidrsCoverEverything(['0.0.0.0/2', '64.0.0.0/2', '128.0.0.0/1', '10.0.0.0/8'], 4)).toBe(true);
    expect(cidrsCoverEverything(['0.0.0.0/1', '128.0.0.0/2'], 4)).toBe(false);
    expect(cidrsCoverEverything(['0.0.0.0/1', '128.0.0.0/1'], 6)).toBe(false);
    expect(cidrsCoverEverything(['::/1', '8000::/1'], 6)).toBe(true);
    expect(cidrsCoverEverything(['::/1', '8000::/2'], 6)).toBe(false);
    expect(cidrsCoverEverything([], 4)).toBe(false);
  });

  test('coverage agrees with counting: the /2 blocks of IPv4 cover everything exactly when all four are listed', () => {
    const quarters = ['0.0.0.0/2', '64.0.0.0/2', '128.0.0.0/2', '192.0.0.0/2'];
    fc.assert(fc.property(fc.subarray(quarters), fc.array(fc.constantFrom('10.0.0.0/8', '192.168.1.7/24', '2001:db8::/32')), (some, noise) => {
      expect(cidrsCoverEverything([...noise, ...some], 4)).toBe(some.length === 4);
    }));
  });

  test('CIDR lists: ranges that together admit the whole internet get the same refusal as /0; part of it passes', () => {
    expect(() => checkCidrs(scope(), 'allowedCidrs', ['0.0.0.0/1', '128.0.0.0/1'], { allowAnywhere: false, what: 'office ranges' }))
      .toThrow(/^S: allowedCidrs holds 0\.0\.0\.0\/1, 128\.0\.0\.0\/1, which together admit the whole IPv4 internet\. Fix: list only the office ranges/);
    expect(() => checkCidrs(scope(), 'allowedCidrs', ['2001:db8::/32', '::/1', '8000::/1'], { allowAnywhere: false }))
      .toThrow(/holds 2001:db8::\/32, ::\/1, 8000::\/1, which together admit the whole IPv6 internet/);
    expect(() => checkCidrs(scope(), 'allowedCidrs', ['0.0.0.0/1', '128.0.0.0/2'], { allowAnywhere: false })).not.toThrow();
    expect(() => checkCidrs(scope(), 'allowedCidrs', ['0.0.0.0/1', '128.0.0.0/1'])).not.toThrow();
  });

  test('CIDR lists: host bits set is a warning naming the network, not an error', () => {
    const stack = scope();
    checkCidrs(stack, 'allowedCidrs', ['203.0.113.7/24', '198.51.100.0/24']);
    const warnings = Annotations.fromStack(stack).findWarning('/S', Match.stringLikeRegexp('host bits'));
    expect(warnings.map((w) => w.entry.data)).toEqual([expect.stringMatching(
      /^allowedCidrs holds 203\.0\.113\.7\/24, which has host bits set: it admits the whole network 203\.0\.113\.0\/24, not only 203\.0\.113\.7\. Write '203\.0\.113\.0\/24' if you mean that network, or '203\.0\.113\.7\/32' for the one address/)]);
  });
});
