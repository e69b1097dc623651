import { DUPLICATE_ROLE_POLICY } from '../../lib/preflight/rules/role-policy-names';
import { TemplateSet } from '../../lib/preflight/template-set';
import { stackTemplate } from './support';

const policy = (name: unknown, roles: unknown[]) => ({ Type: 'AWS::IAM::Policy', Properties: { PolicyName: name, Roles: roles, PolicyDocument: { Statement: [] } } });
const region = (r: string, resources: Record<string, any>) => stackTemplate(`Production-${r}`, resources, { region: r, account: '493827162534' });

describe('Preflight-DuplicateRolePolicy', () => {
  test('finds two regions\' stacks declaring the same policy name on one named role, naming both and the fix', () => {
    const set = new TemplateSet([
      region('eu-west-1', { Access: policy('CleanSlateConductorAccess387DA52B', ['production-fleet-conductor']) }),
      region('us-east-1', { Access: policy('CleanSlateConductorAccess387DA52B', ['production-fleet-conductor']) }),
    ]);
    const findings = DUPLICATE_ROLE_POLICY.check(set);
    expect(findings.map((f) => f.templateFile)).toEqual(['Production-eu-west-1.template.json', 'Production-us-east-1.template.json']);
    expect(findings[0]).toMatchObject({ ruleId: 'Preflight-DuplicateRolePolicy', logicalId: 'Access', location: 'Properties.Roles.0' });
    expect(findings[0].message).toMatch(/inline policy CleanSlateConductorAccess387DA52B on role production-fleet-conductor is also declared by Production-us-east-1 Access \(AWS::IAM::Policy\).*already exists in stack/);
    expect(findings[0].fix).toMatch(/its own name.*acknowledge\(\{ id: 'Preflight-DuplicateRolePolicy'/);
  });

  test('passes a policy name per region on the same role', () => {
    const set = new TemplateSet([
      region('eu-west-1', { Access: policy('conductor-health-check-eu-west-1', ['production-fleet-conductor']) }),
      region('us-east-1', { Access: policy('conductor-health-check-us-east-1', ['production-fleet-conductor']) }),
    ]);
    expect(DUPLICATE_ROLE_POLICY.check(set)).toEqual([]);
  });

  test('passes the same generated name on each stack\'s own role (different roles), and the same role name in two accounts', () => {
    const own = (r: string, account = '493827162534') => stackTemplate(`S-${r}-${account}`, {
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
      Policy: policy('RoleDefaultPolicy1234', [{ Ref: 'Role' }]),
      Named: policy('Access', ['deployer']),
    }, { region: r, account });
    expect(DUPLICATE_ROLE_POLICY.check(new TemplateSet([own('eu-west-1'), own('us-east-1', '572910384756')]))).toEqual([]);
  });

  test('finds a named role of the app (RoleName) that two of its policies attach to by reference and by name', () => {
    const set = new TemplateSet([
      region('eu-west-1', { Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'shared' } }, A: policy('Access', [{ Ref: 'Role' }]) }),
      region('us-east-1', { B: { Type: 'AWS::IAM::RolePolicy', Properties: { PolicyName: 'Access', RoleName: 'shared', PolicyDocument: {} } } }),
    ]);
    expect(DUPLICATE_ROLE_POLICY.check(set).map((f) => `${f.templateFile}#${f.logicalId}`)).toEqual(['Production-eu-west-1.template.json#A', 'Production-us-east-1.template.json#B']);
  });

  test('leaves deploy-time policy names alone', () => {
    const set = new TemplateSet([
      region('eu-west-1', { A: policy({ 'Fn::Join': ['-', ['a', { Ref: 'AWS::StackName' }, { Ref: 'X' }]] }, ['r']) }),
      region('us-east-1', { A: policy({ 'Fn::Join': ['-', ['a', { Ref: 'AWS::StackName' }, { Ref: 'X' }]] }, ['r']) }),
    ]);
    expect(DUPLICATE_ROLE_POLICY.check(set)).toEqual([]);
  });
});
