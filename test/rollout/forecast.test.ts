import fc from 'fast-check';
import { forecastLoad, LoadPoint } from '../../lib/rollout/forecast';

const T0 = Date.parse('2026-11-23T23:30:00Z');
const at = (minute: number, value: number): LoadPoint => ({ time: new Date(T0 + minute * 60_000), value });

describe('forecastLoad', () => {
  test('extrapolates the least-squares line horizonMinutes past the last point', () => {
    // y = 100 + 2x over minutes 0..29: at minute 29 + 30 = 59 the line is 218.
    const series = Array.from({ length: 30 }, (_, m) => at(m, 100 + 2 * m));
    expect(forecastLoad(series, 30)).toBeCloseTo(218, 6);
  });

  test('any spacing and missing minutes: the fit uses the real times', () => {
    expect(forecastLoad([at(0, 10), at(7, 24), at(29, 68)], 30)).toBeCloseTo(128, 6);
  });

  test('a falling line is clipped at 0, never negative', () => {
    expect(forecastLoad(Array.from({ length: 30 }, (_, m) => at(m, 300 - 10 * m)), 30)).toBe(0);
  });

  test('a single point, or points all at one time, forecast their mean', () => {
    expect(forecastLoad([at(5, 42)], 30)).toBe(42);
    expect(forecastLoad([at(5, 40), at(5, 60)], 30)).toBe(50);
  });

  test.each([
    [[], 30, /empty series\. Fix: pass at least one/],
    [[at(0, -1)], 30, /value -1\. Fix: use finite values, 0 or more/],
    [[at(0, Number.NaN)], 30, /value NaN/],
    [[{ time: new Date('nope'), value: 1 }], 30, /not a valid Date/],
    [[at(0, 1)], -5, /horizon -5 minutes is not valid/],
  ])('bad input %#', (points, horizon, message) => {
    expect(() => forecastLoad(points as LoadPoint[], horizon as number)).toThrow(message);
  });

  const series = fc.array(fc.record({ minute: fc.integer({ min: 0, max: 29 }), value: fc.double({ min: 0, max: 1e6, noNaN: true }) }), { minLength: 1, maxLength: 40 })
    .map((ps) => ps.map((p) => at(p.minute, p.value)));

  test('property: never negative, finite, and independent of the order of the points', () => {
    fc.assert(fc.property(series, fc.integer({ min: 0, max: 120 }), (points, h) => {
      const f = forecastLoad(points, h);
      expect(f).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(f)).toBe(true);
      const reversed = forecastLoad([...points].reverse(), h);
      expect(Math.abs(reversed - f)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(f)));
    }));
  });

  test('property: a constant series forecasts that constant; an exact line forecasts its extrapolation (clipped at 0)', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1e5, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }), fc.integer({ min: 2, max: 30 }), fc.integer({ min: 0, max: 60 }), (a, b, n, h) => {
      const constant = Array.from({ length: n }, (_, m) => at(m, a));
      expect(forecastLoad(constant, h)).toBeCloseTo(a, 4);
      const line = Array.from({ length: n }, (_, m) => at(m, Math.max(0, a + b * m)));
      if (line.every((p, m) => p.value === a + b * m)) {
        const expected = Math.max(0, a + b * (n - 1 + h));
        expect(Math.abs(forecastLoad(line, h) - expected)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(a) + Math.abs(b) * 100));
      }
    }));
  });

  test('property: shifting every time by the same amount changes nothing', () => {
    fc.assert(fc.property(series, fc.integer({ min: -1e6, max: 1e6 }), (points, shiftMinutes) => {
      const shifted = points.map((p) => ({ time: new Date(p.time.getTime() + shiftMinutes * 60_000), value: p.value }));
      const f = forecastLoad(points, 30);
      expect(Math.abs(forecastLoad(shifted, 30) - f)).toBeLessThanOrEqual(1e-6 * Math.max(1, f));
    }));
  });
});
