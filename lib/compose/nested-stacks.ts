/**
 * Which nested stack each compose service goes to, and whether the start order between services can still be
 * expressed. Pure: the construct (./compose-project.ts) creates the stacks.
 *
 * Stacks are filled in file order rather than by a hash of the name (as ProductionStack does): compose services
 * depend on each other, and a hash scatters a dependency chain over the stacks in both directions. Measured on the
 * 100-service benchmark (each service depending on the one before): three hashed stacks already form a cycle, while
 * file order never does when `depends_on` points to earlier services.
 */
import { reaches } from './graph';

/** The nested stack id of each service (names in file order): `Services<n>` of `perStack` each, or undefined for none. */
export function nestedStackOf(names: readonly string[], perStack: number | undefined): Map<string, string | undefined> {
  return new Map(names.map((name, i) => [name, perStack === undefined ? undefined : `Services${Math.floor(i / perStack) + 1}`]));
}

/**
 * A cycle of start-order dependencies between nested stacks, as `service (stack) → dependency (stack)` steps, or
 * undefined. A service that must start after a service of another nested stack makes its whole stack wait for that
 * stack; two stacks waiting for each other is a cycle CloudFormation refuses at deploy (CDK synthesizes it unless its
 * built-in template validation is on).
 */
export function crossStackCycle(placement: ReadonlyMap<string, string | undefined>, startAfter: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  // One witness per stack-to-stack edge, so the message names real services.
  const edges = new Map<string, Map<string, string>>();
  for (const [service, deps] of startAfter) {
    const from = placement.get(service);
    for (const dep of deps) {
      const to = placement.get(dep);
      if (from === undefined || to === undefined || from === to) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, `${service} (${from}) → ${dep} (${to})`);
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const path: Array<{ from: string; step: string }> = [];
  const visit = (stack: string): string[] | undefined => {
    state.set(stack, 'visiting');
    for (const [next, step] of edges.get(stack) ?? []) {
      path.push({ from: stack, step });
      if (state.get(next) === 'visiting') return path.slice(path.findIndex((p) => p.from === next)).map((p) => p.step);
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found) return found;
      }
      path.pop();
    }
    state.set(stack, 'done');
    return undefined;
  };
  for (const stack of [...edges.keys()].sort()) {
    if (state.get(stack) === undefined) {
      const found = visit(stack);
      if (found) return found;
    }
  }
  return undefined;
}

/** The start order made safe for the nested stacks. */
export interface StackSafeStartOrder {
  /** What each service starts after, without edges that would make two stacks wait for each other. */
  readonly startAfter: Map<string, string[]>;
  /** Inferred edges left out: `service` no longer waits for `dependency`, which sits in another nested stack. */
  readonly dropped: Array<{ readonly service: string; readonly dependency: string }>;
  /** A cycle of `depends_on` edges alone (as {@link crossStackCycle} describes it): the file must change. */
  readonly cycle?: string[];
}

/**
 * The start order across nested stacks. `depends_on` edges are what the file says: if they alone run both ways between
 * two stacks, that is the `cycle` to report. Inferred edges (a name in the environment, clients after servers) are a
 * convenience: each is kept unless, with the edges kept before it, it would make two stacks wait for each other.
 */
export function stackSafeStartOrder(
  placement: ReadonlyMap<string, string | undefined>,
  startAfter: ReadonlyMap<string, readonly string[]>,
  dependsOn: ReadonlyMap<string, readonly string[]>,
): StackSafeStartOrder {
  const explicit = new Map([...startAfter].map(([service, deps]) => [service, deps.filter((d) => dependsOn.get(service)?.includes(d))]));
  const cycle = crossStackCycle(placement, explicit);
  if (cycle) return { startAfter: new Map(), dropped: [], cycle };
  const stackEdges = new Map<string, Set<string>>();
  const link = (from: string, to: string) => {
    if (!stackEdges.has(from)) stackEdges.set(from, new Set());
    stackEdges.get(from)!.add(to);
  };
  const crossing = (service: string, dep: string): [string, string] | undefined => {
    const from = placement.get(service);
    const to = placement.get(dep);
    return from !== undefined && to !== undefined && from !== to ? [from, to] : undefined;
  };
  for (const [service, deps] of explicit) for (const dep of deps) { const c = crossing(service, dep); if (c) link(...c); }
  const kept = new Map<string, string[]>();
  const dropped: Array<{ service: string; dependency: string }> = [];
  for (const [service, deps] of startAfter) {
    kept.set(service, []);
    for (const dep of deps) {
      const c = crossing(service, dep);
      if (c && !explicit.get(service)!.includes(dep)) {
        if (reaches(stackEdges, c[1], c[0])) {
          dropped.push({ service, dependency: dep });
          continue;
        }
        link(...c);
      }
      kept.get(service)!.push(dep);
    }
  }
  return { startAfter: kept, dropped };
}
