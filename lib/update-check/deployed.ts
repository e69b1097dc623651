import * as fs from 'fs';
import * as path from 'path';
import { readStack, referenceTarget, StackTemplates } from './assembly';

/** A listener rule of a deployed stack (the shape `FleetLoadBalancerProps.deployedRules` takes). */
export interface DeployedRuleRecord {
  /** `<template file>#<logical id>` of the rule. */
  readonly ruleId: string;
  /** `<template file>#<logical id>` of its listener. */
  readonly listener: string;
  /** The rule's priority. */
  readonly priority: number;
  /** The host-header values of its conditions, if any (lower-cased). @default - none */
  readonly hosts?: string[];
}

/** The listener rules (with a literal priority) of one stack and its nested stacks. */
export function listenerRulesOf(stack: StackTemplates): DeployedRuleRecord[] {
  const out: DeployedRuleRecord[] = [];
  for (const [file, t] of stack.templates) {
    for (const [logicalId, r] of Object.entries(t.template.Resources ?? {})) {
      if (r.Type !== 'AWS::ElasticLoadBalancingV2::ListenerRule' || typeof r.Properties?.Priority !== 'number') continue;
      const hosts = hostsOf(r.Properties.Conditions);
      out.push({
        ruleId: `${file}#${logicalId}`, listener: referenceTarget(stack, file, r.Properties.ListenerArn), priority: r.Properties.Priority,
        ...(hosts.length ? { hosts } : {}),
      });
    }
  }
  return out;
}

/**
 * The listener rules of `stack` as deployed, read from the cloud assembly of the last deploy (the `cdk.out` directory
 * kept after `cdk deploy`). An assembly without that stack (its first deploy) gives none.
 *
 * TypeScript only; from other languages use `UpdateCheck.deployedListenerRules`.
 *
 * @jsii ignore
 */
export function deployedListenerRules(assemblyDir: string, stack: string): DeployedRuleRecord[] {
  const deployed = deployedStack(assemblyDir, stack);
  return deployed ? listenerRulesOf(deployed) : [];
}

/** The templates of `stack` in the cloud assembly of the last deploy, or undefined when it holds no such stack. */
export function deployedStack(assemblyDir: string, stack: string): StackTemplates | undefined {
  if (!fs.existsSync(path.join(assemblyDir, 'manifest.json'))) {
    throw new Error(`${assemblyDir} is not a cloud assembly (no manifest.json): pass the cdk.out directory of the last deploy`);
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8'));
  return manifest.artifacts?.[stack] ? readStack(assemblyDir, stack) : undefined;
}

function hostsOf(conditions: unknown): string[] {
  if (!Array.isArray(conditions)) return [];
  return conditions
    .filter((c) => c?.Field === 'host-header')
    .flatMap((c) => (c.HostHeaderConfig?.Values ?? c.Values ?? []) as unknown[])
    .filter((h): h is string => typeof h === 'string')
    .map((h) => h.toLowerCase());
}
