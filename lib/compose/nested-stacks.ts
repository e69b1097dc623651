/**
 * Which nested stack each compose service goes to, and whether the start order between services can still be
 * expressed. Pure: the construct (./compose-project.ts) creates the stacks.
 */
import { serviceStackOf } from '../environments/placement';

/** How services are spread over nested stacks. */
export interface NestedStackLayout {
  /** That many stacks, each service in the one a hash of its name picks (stable under additions and reordering). */
  readonly serviceStacks?: number;
  /** Stacks of this many services each, filled in file order. */
  readonly servicesPerNestedStack?: number;
}

/** The nested stack id of each service (in file order), or undefined for the construct's own stack. */
export function nestedStackOf(names: readonly string[], layout: NestedStackLayout): Map<string, string | undefined> {
  return new Map(names.map((name, i) => [name,
    layout.serviceStacks !== undefined ? serviceStackOf(name, layout.serviceStacks)
      : layout.servicesPerNestedStack !== undefined ? `Services${Math.floor(i / layout.servicesPerNestedStack) + 1}` : undefined]));
}

/**
 * A cycle of start-order dependencies between nested stacks, as `service (stack) → dependency (stack)` steps, or
 * undefined. A service that must start after a service of another nested stack makes its whole stack wait for that
 * stack; two stacks waiting for each other is a cycle CloudFormation cannot order (and CDK refuses at synth).
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
