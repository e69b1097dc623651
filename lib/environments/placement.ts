/**
 * Which nested stack a service of a ProductionStack goes to: a pure function of the service's own construct id, so
 * adding, removing, reordering or renaming (with `renamedFrom`) other services never moves it.
 */
import { fnv1a } from '../hash';

/** The nested stack id of a service: `Services<1..stacks>`, by a hash of its construct id. */
export function serviceStackOf(serviceId: string, stacks: number): string {
  return `Services${(fnv1a(serviceId) % stacks) + 1}`;
}

/** Letters and digits only: how CDK spells construct ids inside logical ids and template file names. */
export function alphanumeric(id: string): string {
  return id.replace(/[^A-Za-z0-9]/g, '');
}

/** The nested stacks of a deployed environment, as far as this function needs them. */
export interface DeployedNestedTemplate {
  /** Template file name, `<stack id><nested id><8 hex>.nested.template.json` (CDK's unique id of the nested stack). */
  readonly file: string;
  /** Logical ids and types of its resources. */
  readonly resources: ReadonlyArray<{ readonly logicalId: string; readonly type: string }>;
}

/**
 * Where each deployed service sits: its construct id (letters and digits only) → the id of its nested stack, read
 * from the deployed templates of the stack with construct id `stackId`. A service keeps that place, so neither a new
 * placement rule (an upgrade of this library) nor a change of `serviceStacks` moves a deployed service.
 */
export function deployedPlacement(stackId: string, nested: Iterable<DeployedNestedTemplate>): Map<string, string> {
  const out = new Map<string, string>();
  const prefix = alphanumeric(stackId);
  for (const t of nested) {
    const m = /^(.*)[0-9A-F]{8}\.nested\.template\.json$/.exec(t.file);
    if (!m || !m[1].startsWith(prefix)) continue;
    const nestedId = m[1].slice(prefix.length);
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(nestedId)) continue;
    for (const r of t.resources) {
      const service = /^(.+)Service[0-9A-F]{8}$/.exec(r.logicalId);
      if (r.type === 'AWS::ECS::Service' && service) out.set(service[1], nestedId);
    }
  }
  return out;
}
