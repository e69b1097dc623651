import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NestedStack, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { ComposeProject, ComposeProjectProps } from '../../lib/compose/compose-project';
import { testStack } from '../support/fixtures';

const YAML = [
  'services:',
  '  api:',
  '    image: public.ecr.aws/docker/library/nginx:1.27',
  '    ports: ["8080"]',
  '  db:',
  '    image: public.ecr.aws/docker/library/postgres:17',
  '    ports: ["5432"]',
  '',
].join('\n');

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'namespace-cleanup-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function project(props: Partial<ComposeProjectProps> = {}): { stack: Stack; project: ComposeProject } {
  fs.writeFileSync(path.join(dir, 'compose.yaml'), YAML);
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
  const p = new ComposeProject(stack, 'Compose', { composeFile: path.join(dir, 'compose.yaml'), cluster, ...props });
  return { stack, project: p };
}

const logicalId = (stack: Stack, construct: any) => stack.getLogicalId(construct.node.defaultChild ?? construct);

describe('ComposeProject: the Service Connect namespace is deleted cleanly', () => {
  test('one cleanup custom resource that references the namespace (so it is deleted before it), with a bounded wait', () => {
    const { stack, project: p } = project();
    const t = Template.fromStack(stack);
    const namespaceId = logicalId(stack, p.namespace);
    t.resourceCountIs('Custom::FleetNamespaceCleanup', 1);
    t.hasResourceProperties('Custom::FleetNamespaceCleanup', {
      NamespaceId: { 'Fn::GetAtt': [namespaceId, 'Id'] },
      ServiceTimeout: '960',
    });
    t.hasResourceProperties('AWS::Lambda::Function', { Timeout: 840, Description: Match.stringLikeRegexp('Cloud Map services ECS left') });
  });

  test('every ECS service depends on the cleanup, and the cleanup on none of them: services are deleted first, then the cleanup runs, then the namespace goes', () => {
    const { stack } = project();
    const t = Template.fromStack(stack);
    const [cleanupId, cleanup] = Object.entries(t.findResources('Custom::FleetNamespaceCleanup'))[0];
    const services = t.findResources('AWS::ECS::Service');
    expect(Object.keys(services)).toHaveLength(2);
    for (const service of Object.values(services)) expect(service.DependsOn).toContain(cleanupId);
    expect(JSON.stringify(cleanup)).not.toMatch(/Service[A-F0-9]{8}"/);
    expect(cleanup.DependsOn ?? []).toEqual([]);
  });

  test('services in nested stacks: the nested stacks depend on the cleanup', () => {
    const { stack } = project({ servicesPerNestedStack: 1 });
    const t = Template.fromStack(stack);
    const [cleanupId] = Object.keys(t.findResources('Custom::FleetNamespaceCleanup'));
    const nested = t.findResources('AWS::CloudFormation::Stack');
    expect(Object.keys(nested).length).toBeGreaterThanOrEqual(1);
    for (const n of Object.values(nested)) expect(n.DependsOn).toContain(cleanupId);
    expect(stack.node.findAll().some((c) => c instanceof NestedStack)).toBe(true);
  });

  test('least privilege: ListServices (no resource-level permissions) and ListInstances/DeleteService on this account\'s services in this region only', () => {
    const { stack } = project();
    const t = Template.fromStack(stack);
    const policies = Object.values(t.findResources('AWS::IAM::Policy')).map((p: any) => p.Properties.PolicyDocument.Statement).flat();
    const cloudMap = policies.filter((s: any) => JSON.stringify(s.Action).includes('servicediscovery:'));
    expect(cloudMap).toEqual([
      { Action: 'servicediscovery:ListServices', Effect: 'Allow', Resource: '*' },
      {
        Action: ['servicediscovery:DeleteService', 'servicediscovery:ListInstances'],
        Effect: 'Allow',
        Resource: 'arn:aws:servicediscovery:eu-west-1:111111111111:service/*',
      },
    ]);
    expect(JSON.stringify(cloudMap)).not.toMatch(/DeleteNamespace|DeregisterInstance|servicediscovery:\*/);
  });
});
