/**
 * Which nested stack each compose service goes to, and whether the start order between services can still be
 * expressed. Pure: the construct (./compose-project.ts) creates the stacks.
 *
 * Stacks are filled in file order rather than by a hash of the name (as ProductionStack does): compose services
 * depend on each other, and a hash scatters a dependency chain over the stacks in both directions. Measured on the
 * 100-service benchmark (each service depending on the one before): three hashed stacks already form a cycle, while
 * file order never does, since dependencies usually point to earlier services.
 */

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
