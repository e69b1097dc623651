import * as fc from 'fast-check';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import { checkCidrs, checkDuration, checkPercent, checkWholeNumber, parseCidr, wholeNumberProblem } from '../lib/validation';
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
});
