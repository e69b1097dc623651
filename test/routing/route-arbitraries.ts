import * as fc from 'fast-check';
import { RouteMatch } from '../../lib/routing/priorities';

/** Routes as users write them, for the priority property tests: paths, exact and wildcard hosts, or both. */
export const segment = fc.stringMatching(/^[a-z0-9]{1,8}$/);
export const pathArb: fc.Arbitrary<string> = fc.tuple(fc.array(segment, { minLength: 0, maxLength: 4 }), fc.constantFrom('', '/*', '*'))
  .map(([segs, tail]) => `/${segs.join('/')}${tail}`);
export const hostArb: fc.Arbitrary<string> = fc.tuple(fc.constantFrom('', '*.'), segment, fc.constantFrom('example.com', 'example.org'))
  .map(([wild, name, domain]) => `${wild}${name}.${domain}`);
export const matchArb: fc.Arbitrary<RouteMatch> = fc.record({ host: fc.option(hostArb, { nil: undefined }), path: fc.option(pathArb, { nil: undefined }) })
  .filter((m) => m.host !== undefined || m.path !== undefined);
