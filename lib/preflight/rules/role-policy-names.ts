import { acknowledgeHint, describeResource, finding, PreflightFinding, IPreflightRule } from '../rule';
import { asArray, ResourceRef, TemplateSet } from '../template-set';

const ID = 'Preflight-DuplicateRolePolicy';

/** One inline policy declared on a role. */
interface DeclaredPolicy {
  readonly ref: ResourceRef;
  readonly location: string;
  /** The role: `name:<account>/<role name>` for a role given by name, or the role resource in the app. */
  readonly role: string;
  readonly roleLabel: string;
  readonly policyName: string;
}

/**
 * The same inline policy name declared twice on one role, typically a role given by name (a fixed-name role of another
 * stack or region) to which several stacks attach their own policy. An inline policy's name is unique per role:
 * CloudFormation refuses a policy another stack already manages ("… already exists in stack …", enforced since
 * 2026-01-30); before that each deploy silently replaced the other stack's policy, so the role kept only the last
 * stack's permissions. aws-cdk-lib names an `iam.Policy` after its logical id, which is the same in every copy of a
 * stack, so one construct deployed to several regions is the usual cause.
 */
export const DUPLICATE_ROLE_POLICY: IPreflightRule = {
  id: ID,
  summary: 'the same inline policy name declared twice on one role (usually a named role that several stacks or regions attach a policy to)',
  check(templates: TemplateSet): PreflightFinding[] {
    const groups = new Map<string, DeclaredPolicy[]>();
    for (const policy of declaredPolicies(templates)) {
      const key = `${policy.role}\u0000${policy.policyName}`;
      groups.set(key, [...(groups.get(key) ?? []), policy]);
    }
    const findings: PreflightFinding[] = [];
    for (const policies of groups.values()) {
      if (policies.length < 2) continue;
      for (const policy of policies) {
        const others = policies.filter((p) => p !== policy).map((p) => describeResource(p.ref)).join('; ');
        findings.push(finding(ID, policy.ref, policy.location,
          `inline policy ${policy.policyName} on role ${policy.roleLabel} is also declared by ${others}; a policy name is unique per role, so ` +
          'CloudFormation refuses the stack deployed second (the policy "already exists in stack …"), or each deploy replaces the other\'s permissions',
          'Give each stack\'s policy its own name (iam.Policy policyName, e.g. with the stack\'s region or name in it), or attach one policy from ' +
          `one stack. ${acknowledgeHint(ID)}`));
      }
    }
    return findings;
  },
};

function declaredPolicies(templates: TemplateSet): DeclaredPolicy[] {
  const declared: DeclaredPolicy[] = [];
  const add = (ref: ResourceRef, location: string, roleExpr: unknown, nameExpr: unknown) => {
    const policyName = templates.literal(ref.template, nameExpr);
    const role = roleKey(templates, ref, roleExpr);
    if (typeof policyName !== 'string' || !role) return;
    declared.push({ ref, location, policyName, ...role });
  };
  for (const ref of templates.resourcesOfType('AWS::IAM::Policy')) {
    const props = ref.resource.Properties ?? {};
    asArray(props.Roles).forEach((role, i) => add(ref, `Properties.Roles.${i}`, role, props.PolicyName));
  }
  for (const ref of templates.resourcesOfType('AWS::IAM::RolePolicy')) {
    add(ref, 'Properties.RoleName', ref.resource.Properties?.RoleName, ref.resource.Properties?.PolicyName);
  }
  // A role's own Policies are one list: the same name twice there is a template error CloudFormation reports itself.
  return declared;
}

/** The role a policy attaches to: by its resource in the app, else by literal name within the stack's account. */
function roleKey(templates: TemplateSet, ref: ResourceRef, expr: unknown): { role: string; roleLabel: string } | undefined {
  const resource = templates.resolveResource(ref.template, expr);
  if (resource) {
    const name = templates.literal(resource.template, resource.resource.Properties?.RoleName);
    if (typeof name === 'string') return { role: `name:${ref.template.account ?? '?'}/${name}`, roleLabel: name };
    return { role: `resource:${resource.template.templateFile}#${resource.logicalId}`, roleLabel: resource.logicalId };
  }
  const name = templates.literal(ref.template, expr);
  // Roles are global to the account: the same name in two regions' stacks is one role.
  return typeof name === 'string' ? { role: `name:${ref.template.account ?? '?'}/${name}`, roleLabel: name } : undefined;
}
