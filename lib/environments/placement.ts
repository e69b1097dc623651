/**
 * Which nested stack a service of a ProductionStack goes to: a pure function of the service's own construct id, so
 * adding, removing, reordering or renaming (with `renamedFrom`) other services never moves it.
 */

/** FNV-1a, 32 bit: small and stable across Node versions. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The nested stack id of a service: `Services<1..stacks>`, by a hash of its construct id. */
export function serviceStackOf(serviceId: string, stacks: number): string {
  return `Services${(fnv1a(serviceId) % stacks) + 1}`;
}
