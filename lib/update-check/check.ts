/**
 * The update check: what CloudFormation will do to a deployed stack when the new synth is deployed, read from the two
 * cloud assemblies alone (no AWS calls). It reports what the console's change set only partly shows, and what a
 * change set cannot show at all:
 * - every resource that will be replaced (a property CloudFormation cannot update in place changed, or a resource it
 *   references that way is itself replaced) or moved to another (nested) stack, which is a replacement too: created in
 *   the new stack, deleted from the old one at cleanup;
 * - every listener-rule priority clash: a rule created, replaced, moved or renumbered onto a priority another rule holds
 *   during the same update (CloudFormation deletes only at cleanup, after every create and update), which ALB rejects
 *   with `PriorityInUse` and CloudFormation rolls back;
 * - every replaced or moved stateful or ingress resource (buckets, log groups, load balancers, DNS records, …).
 */
import { referenceTarget, readStack, StackTemplates, stacksOf, TemplateResource } from './assembly';
import { REPLACED_ON_CHANGE, replacingChanges, STATEFUL_OR_INGRESS } from './replacements';

/** A resource CloudFormation replaces. */
export interface Replacement {
  /** `<template file>#<logical id>`. */
  readonly resource: string;
  /** The CloudFormation resource type. */
  readonly type: string;
  /** Why: the properties that changed, or the replaced resource it references. */
  readonly reason: string;
}

/** A resource that leaves one template for another. */
export interface Move {
  /** The resource's logical id, the same in both templates. */
  readonly logicalId: string;
  /** The CloudFormation resource type. */
  readonly type: string;
  /** The template file it leaves. */
  readonly from: string;
  /** The template file it moves to. */
  readonly to: string;
}

/** A rule asking for a priority another rule holds during the update. */
export interface PriorityClash {
  /** The rule that takes the priority. */
  readonly rule: string;
  /** The priority both rules ask for. */
  readonly priority: number;
  /** The rule that holds it (deleted at cleanup, or still there). */
  readonly heldBy: string;
  /** `<template file>#<logical id>` of the listener both rules are on. */
  readonly listener: string;
}

/** How a stateful or ingress resource is replaced (the values are the strings reports have always used). */
export enum ReplacementKind {
  /** Replaced in place: a property CloudFormation cannot update changed, or a resource it references that way is replaced. */
  REPLACED = 'replaced',
  /** Moved to another (nested) stack: created in the new one, deleted from the old one at cleanup. */
  MOVED = 'moved',
}

/** A replaced or moved resource whose replacement loses data or interrupts traffic (a bucket, a load balancer, a DNS record…). */
export interface StatefulOrIngressChange {
  /** `<template file>#<logical id>` (for a move, in the new template). */
  readonly resource: string;
  /** The CloudFormation resource type, e.g. `AWS::S3::Bucket`. */
  readonly type: string;
  /** Whether it is replaced in place or moved to another stack. */
  readonly how: ReplacementKind;
}

/** What one stack's update does. */
export interface UpdateReport {
  /** The stack's artifact id, e.g. `Production`. */
  readonly stack: string;
  /** Resources only in the new templates (moved ones excluded). */
  readonly created: string[];
  /** Resources only in the deployed templates (moved ones excluded): deleted at cleanup. */
  readonly deleted: string[];
  /** Resources CloudFormation replaces. */
  readonly replaced: Replacement[];
  /** Resources that leave one (nested) stack's template for another's: a replacement too. */
  readonly moved: Move[];
  /** Listener rules asking for a priority another rule holds during the update: ALB refuses them (`PriorityInUse`). */
  readonly clashes: PriorityClash[];
  /** Replaced or moved resources whose replacement loses data or interrupts traffic (a subset of the two above). */
  readonly statefulOrIngress: StatefulOrIngressChange[];
  /** Other consequences worth knowing (instances rolled by the update policy, …). */
  readonly notes: string[];
}

interface Located {
  readonly file: string;
  readonly logicalId: string;
  readonly resource: TemplateResource;
}

function resourcesOf(stack: StackTemplates): Map<string, Located> {
  const out = new Map<string, Located>();
  for (const [file, t] of stack.templates) {
    for (const [logicalId, resource] of Object.entries(t.template.Resources ?? {})) out.set(`${file}#${logicalId}`, { file, logicalId, resource });
  }
  return out;
}

function valueAt(props: Record<string, unknown> | undefined, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), props);
}

/**
 * Compares one stack's templates before and after.
 *
 * TypeScript only (its input comes from the TypeScript assembly reader); from other languages use
 * `UpdateCheck.checkAssemblies(beforeDir, afterDir, [stack])`.
 *
 * @jsii ignore
 */
export function checkUpdate(before: StackTemplates, after: StackTemplates): UpdateReport {
  const old = resourcesOf(before);
  const now = resourcesOf(after);
  const replaced = new Map<string, Replacement>();
  const moved: Move[] = [];

  // Moves: a logical id that leaves one template and appears, with the same type, in another.
  const oldByLogicalId = new Map<string, Located[]>();
  for (const r of old.values()) oldByLogicalId.set(r.logicalId, [...(oldByLogicalId.get(r.logicalId) ?? []), r]);
  const movedIds = new Set<string>();
  for (const [id, r] of now) {
    if (old.has(id)) continue;
    const from = (oldByLogicalId.get(r.logicalId) ?? []).find((o) => o.resource.Type === r.resource.Type && !now.has(`${o.file}#${o.logicalId}`));
    if (from) {
      moved.push({ logicalId: r.logicalId, type: r.resource.Type, from: from.file, to: r.file });
      movedIds.add(`${from.file}#${from.logicalId}`);
    }
  }

  // Replacements: immutable properties that changed, then anything that references a replaced resource that way.
  for (const [id, r] of now) {
    const o = old.get(id);
    if (!o || o.resource.Type !== r.resource.Type) continue;
    const changes = replacingChanges(r.resource.Type, o.resource.Properties, r.resource.Properties);
    if (changes.length > 0) replaced.set(id, { resource: id, type: r.resource.Type, reason: `${changes.join(', ')} changed` });
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const [id, r] of now) {
      if (replaced.has(id) || !old.has(id)) continue;
      for (const prop of REPLACED_ON_CHANGE[r.resource.Type] ?? []) {
        if (prop === '*') continue;
        const value = valueAt(r.resource.Properties, prop);
        if (value === undefined) continue;
        const target = referenceTarget(after, r.file, value);
        if (replaced.has(target) || movedTo(moved, target)) {
          replaced.set(id, { resource: id, type: r.resource.Type, reason: `${prop} references ${target}, which is replaced` });
          grew = true;
          break;
        }
      }
    }
  }

  const clashes = priorityClashes(before, after, old, now, replaced);
  const statefulOrIngress = [
    ...[...replaced.values()].filter((r) => STATEFUL_OR_INGRESS.has(r.type)).map((r) => ({ resource: r.resource, type: r.type, how: ReplacementKind.REPLACED })),
    ...moved.filter((m) => STATEFUL_OR_INGRESS.has(m.type)).map((m) => ({ resource: `${m.to}#${m.logicalId}`, type: m.type, how: ReplacementKind.MOVED })),
  ];
  const notes: string[] = [];
  for (const [id, r] of now) {
    const o = old.get(id);
    if (r.resource.Type === 'AWS::EC2::LaunchTemplate' && o && JSON.stringify(o.resource.Properties) !== JSON.stringify(r.resource.Properties)) {
      notes.push(`${id}: the launch template changes, so the Auto Scaling group's update policy replaces every instance`);
    }
  }
  const movedTargets = new Set(moved.map((m) => `${m.to}#${m.logicalId}`));
  const created = [...now.keys()].filter((id) => !old.has(id) && !movedTargets.has(id));
  const deleted = [...old.keys()].filter((id) => !now.has(id) && !movedIds.has(id));
  return { stack: after.stack, created, deleted, replaced: [...replaced.values()], moved, clashes, statefulOrIngress, notes };
}

function movedTo(moved: Move[], target: string): boolean {
  return moved.some((m) => target === `${m.to}#${m.logicalId}`);
}

interface RuleState {
  readonly id: string;
  readonly listener: string;
  readonly priority: unknown;
}

function rulesOf(stack: StackTemplates, resources: Map<string, Located>): RuleState[] {
  return [...resources.entries()]
    .filter(([, r]) => r.resource.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule')
    .map(([id, r]) => ({ id, listener: referenceTarget(stack, r.file, r.resource.Properties?.ListenerArn), priority: r.resource.Properties?.Priority }));
}

function priorityClashes(before: StackTemplates, after: StackTemplates, old: Map<string, Located>, now: Map<string, Located>, replaced: Map<string, Replacement>): PriorityClash[] {
  const oldRules = rulesOf(before, old);
  const clashes: PriorityClash[] = [];
  for (const rule of rulesOf(after, now)) {
    if (typeof rule.priority !== 'number') continue;
    const previous = oldRules.find((r) => r.id === rule.id);
    const createdOrReplaced = !previous || replaced.has(rule.id);
    if (!createdOrReplaced && previous.priority === rule.priority) continue;
    // A rule that keeps its identity and priority holds it itself; anything else competes with every deployed rule.
    const holder = oldRules.find((r) => r.listener === rule.listener && r.priority === rule.priority && (r.id !== rule.id || createdOrReplaced));
    if (holder) clashes.push({ rule: rule.id, priority: rule.priority, heldBy: holder.id, listener: rule.listener });
  }
  return clashes;
}

/**
 * Checks every stack present in both assemblies (or the given ones).
 *
 * TypeScript only; from other languages use `UpdateCheck.checkAssemblies`.
 *
 * @jsii ignore
 */
export function checkAssemblies(beforeDir: string, afterDir: string, stacks?: string[]): UpdateReport[] {
  const names = stacks ?? stacksOf(afterDir).filter((s) => stacksOf(beforeDir).includes(s));
  return names.map((s) => checkUpdate(readStack(beforeDir, s), readStack(afterDir, s)));
}

/**
 * True when the update has nothing that fails or interrupts: no clash, no stateful or ingress replacement.
 *
 * TypeScript only; from other languages use `UpdateCheck.isSafe`.
 *
 * @jsii ignore
 */
export function isSafe(report: UpdateReport): boolean {
  return report.clashes.length === 0 && report.statefulOrIngress.length === 0;
}

/**
 * A compact, plain-text report.
 *
 * TypeScript only; from other languages use `UpdateCheck.formatReport`.
 *
 * @jsii ignore
 */
export function formatReport(report: UpdateReport): string {
  const lines = [`Stack ${report.stack}: ${isSafe(report) ? 'safe' : 'NOT SAFE'} — ${report.created.length} created, ${report.deleted.length} deleted, `
    + `${report.replaced.length} replaced, ${report.moved.length} moved, ${report.clashes.length} priority clashes, ${report.statefulOrIngress.length} stateful/ingress`];
  for (const c of report.clashes) lines.push(`  CLASH     ${c.rule} takes priority ${c.priority}, held by ${c.heldBy} during the update (PriorityInUse)`);
  for (const s of report.statefulOrIngress) lines.push(`  STATEFUL  ${s.how} ${s.type} ${s.resource}`);
  for (const m of report.moved) lines.push(`  MOVED     ${m.type} ${m.logicalId}: ${m.from} -> ${m.to}`);
  for (const r of report.replaced) lines.push(`  REPLACED  ${r.type} ${r.resource}: ${r.reason}`);
  for (const n of report.notes) lines.push(`  NOTE      ${n}`);
  return lines.join('\n');
}

/**
 * For your own tests: throws with the report when updating the stacks of `deployedDir` to `newDir` would clash on a
 * listener-rule priority or replace a stateful or ingress resource; returns the reports otherwise.
 *
 * TypeScript only; from other languages use `UpdateCheck.assertSafeUpdate`.
 *
 * @example
 *   const deployed = 'deployed.out';                 // kept after the last `cdk deploy`
 *   const next = app.synth().directory;              // the change under review
 *   assertSafeUpdate(deployed, next);
 *
 * @jsii ignore
 */
export function assertSafeUpdate(deployedDir: string, newDir: string, stacks?: string[]): UpdateReport[] {
  const reports = checkAssemblies(deployedDir, newDir, stacks);
  const unsafe = reports.filter((r) => !isSafe(r));
  if (unsafe.length > 0) throw new Error(`the update is not safe:\n${unsafe.map(formatReport).join('\n')}`);
  return reports;
}
