import { acknowledgeHint, finding, PreflightFinding, IPreflightRule } from '../rule';
import { asArray, isObject, ResourceRef, TemplateSet } from '../template-set';

const ID = 'Preflight-ServiceConnectPoll';

/** One Allow statement of a role, with where it was declared. */
interface RoleStatement {
  readonly ref: ResourceRef;
  readonly location: string;
  readonly statement: Record<string, any>;
}

/**
 * EC2 instance roles that allow `ecs:Poll` only under an `ecs:cluster` condition, in an app with a Service Connect
 * service on EC2. The Service Connect agent polls for its configuration with the task set's ARN as the resource, and
 * that request does not satisfy the condition: the sidecar logs "Unauthorized to perform ecs:Poll for
 * arn:aws:ecs:…:task-set/…", never becomes healthy, and the service's tasks never start (aws/aws-cdk#28594,
 * aws/amazon-ecs-agent#4397, aws/amazon-ecs-service-connect-agent#142). aws-cdk-lib's default instance role has
 * exactly this statement.
 */
export const SERVICE_CONNECT_POLL: IPreflightRule = {
  id: ID,
  summary: 'EC2 instance roles that allow ecs:Poll only under an ecs:cluster condition, which refuses the Service Connect agent',
  check(templates: TemplateSet): PreflightFinding[] {
    const environments = new Set(templates.resourcesOfType('AWS::ECS::Service').filter((s) => serviceConnectOnEc2(templates, s)).map((s) => environmentOf(s)));
    if (environments.size === 0) return [];
    const findings: PreflightFinding[] = [];
    for (const [role, statements] of instanceRoleStatements(templates)) {
      if (!environments.has(environmentOf(role))) continue;
      const polls = statements.filter((s) => allowsPoll(s.statement));
      if (polls.length === 0 || !polls.every((s) => conditionedOnCluster(s.statement))) continue;
      for (const s of polls) {
        findings.push(finding(ID, s.ref, s.location,
          `instance role ${role.logicalId} allows ecs:Poll only under an ecs:cluster condition; the Service Connect agent polls as its task set ` +
          '("Unauthorized to perform ecs:Poll for arn:aws:ecs:…:task-set/…"), which the condition refuses, so Service Connect tasks on these instances never start',
          'Also allow ecs:Poll on the cluster\'s task sets, without the condition: resources arn:<partition>:ecs:<region>:<account>:task-set/<cluster name>/* ' +
          `(FleetCluster does). ${acknowledgeHint(ID)}`));
      }
    }
    return findings;
  },
};

/** Services with Service Connect enabled that do not run on Fargate. */
function serviceConnectOnEc2(templates: TemplateSet, service: ResourceRef): boolean {
  const props = service.resource.Properties ?? {};
  if (String(templates.literal(service.template, props.ServiceConnectConfiguration?.Enabled)) !== 'true') return false;
  if (templates.literal(service.template, props.LaunchType) === 'FARGATE') return false;
  const providers = asArray(props.CapacityProviderStrategy).map((p) => templates.literal(service.template, p?.CapacityProvider));
  return !(providers.length > 0 && providers.every((p) => p === 'FARGATE' || p === 'FARGATE_SPOT'));
}

/** Roles are global, the services they serve regional: compare by account and region (a nested stack has its parent's). */
function environmentOf(ref: ResourceRef): string {
  return `${ref.template.account ?? '?'}/${ref.template.region ?? '?'}`;
}

/** Every Allow statement of every role EC2 assumes, from the role's own policies and the policies attached to it. */
function instanceRoleStatements(templates: TemplateSet): Map<ResourceRef, RoleStatement[]> {
  const roles = new Map<string, { role: ResourceRef; statements: RoleStatement[] }>();
  const key = (r: ResourceRef) => `${r.template.templateFile}#${r.logicalId}`;
  for (const role of templates.resourcesOfType('AWS::IAM::Role')) {
    if (!assumedByEc2(role.resource.Properties?.AssumeRolePolicyDocument)) continue;
    const statements: RoleStatement[] = [];
    asArray(role.resource.Properties?.Policies).forEach((p, i) => {
      asArray(p?.PolicyDocument?.Statement).forEach((statement, j) => statements.push({ ref: role, location: `Properties.Policies.${i}.PolicyDocument.Statement.${j}`, statement }));
    });
    roles.set(key(role), { role, statements });
  }
  for (const policy of templates.resourcesOfType('AWS::IAM::Policy')) {
    const attached = asArray(policy.resource.Properties?.Roles).map((r) => templates.resolveResource(policy.template, r)).filter((r): r is ResourceRef => !!r);
    for (const role of attached) {
      const entry = roles.get(key(role));
      if (!entry) continue;
      asArray(policy.resource.Properties?.PolicyDocument?.Statement).forEach((statement, j) => entry.statements.push({ ref: policy, location: `Properties.PolicyDocument.Statement.${j}`, statement }));
    }
  }
  return new Map([...roles.values()].map((e) => [e.role, e.statements.filter((s) => isObject(s.statement) && s.statement.Effect === 'Allow')]));
}

function assumedByEc2(document: unknown): boolean {
  return asArray((document as any)?.Statement).some((s) => [s?.Principal?.Service].flat().some((p: unknown) => typeof p === 'string' && p.startsWith('ec2.amazonaws.com')));
}

/** Whether a statement's actions include ecs:Poll (exactly or by wildcard). */
function allowsPoll(statement: Record<string, any>): boolean {
  return [statement.Action].flat().some((a: unknown) => typeof a === 'string'
    && new RegExp(`^${a.split('*').map((p) => p.replace(/[.?+^$()[\]{}|\\]/g, '\\$&')).join('.*')}$`, 'i').test('ecs:Poll'));
}

/** Whether a statement only applies under an `ecs:cluster` condition (any operator). */
function conditionedOnCluster(statement: Record<string, any>): boolean {
  return isObject(statement.Condition) && Object.values(statement.Condition).some((c) => isObject(c) && Object.keys(c).some((k) => k.toLowerCase() === 'ecs:cluster'));
}
