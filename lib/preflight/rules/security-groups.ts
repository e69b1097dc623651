import { asArray, ResourceRef, TemplateSet } from '../template-set';

/** A port interval admitted by a security group rule. */
export interface PortInterval { readonly from: number; readonly to: number }

/** An ingress rule and the template it is declared in (for resolving its values). */
export interface IngressRule { readonly template: ResourceRef['template']; readonly rule: Record<string, any> }

/** Every ingress rule of the app by the security group it opens (inline rules and `AWS::EC2::SecurityGroupIngress`). */
export function ingressBySecurityGroup(templates: TemplateSet): Map<string, IngressRule[]> {
  const map = new Map<string, IngressRule[]>();
  const add = (sg: ResourceRef | undefined, rule: IngressRule) => {
    if (!sg) return;
    const list = map.get(keyOf(sg)) ?? [];
    list.push(rule);
    map.set(keyOf(sg), list);
  };
  for (const sg of templates.resourcesOfType('AWS::EC2::SecurityGroup')) {
    for (const rule of asArray(sg.resource.Properties?.SecurityGroupIngress)) add(sg, { template: sg.template, rule });
  }
  for (const ref of templates.resourcesOfType('AWS::EC2::SecurityGroupIngress')) {
    const props = ref.resource.Properties ?? {};
    add(templates.resolveResource(ref.template, props.GroupId), { template: ref.template, rule: props });
  }
  return map;
}

/** The tcp ports a rule admits (all for protocol -1), or undefined for other protocols and deploy-time ports. */
export function portsOf(templates: TemplateSet, template: ResourceRef['template'], rule: Record<string, any>): PortInterval | undefined {
  const protocol = String(templates.literal(template, rule.IpProtocol));
  if (protocol === '-1' || protocol === 'all') return { from: 0, to: 65535 };
  if (protocol !== 'tcp' && protocol !== '6') return undefined;
  const from = Number(templates.literal(template, rule.FromPort));
  const to = Number(templates.literal(template, rule.ToPort));
  if (!Number.isFinite(from) || !Number.isFinite(to)) return undefined;
  return from === -1 ? { from: 0, to: 65535 } : { from, to };
}

/** True when the union of `intervals` contains `needed`. */
export function covers(intervals: readonly PortInterval[], needed: PortInterval): boolean {
  let reached = needed.from - 1;
  for (const interval of [...intervals].sort((a, b) => a.from - b.from)) {
    if (interval.from > reached + 1) break;
    reached = Math.max(reached, interval.to);
    if (reached >= needed.to) return true;
  }
  return reached >= needed.to;
}

/** Identifies a resource across the app's templates. */
export function keyOf(ref: ResourceRef | undefined): string {
  return ref ? `${ref.template.templateFile}#${ref.logicalId}` : '';
}

