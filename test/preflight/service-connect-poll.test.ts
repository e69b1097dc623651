import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FleetPreflightChecks } from '../../lib/preflight';
import { SERVICE_CONNECT_POLL } from '../../lib/preflight/rules/service-connect-poll';
import { TemplateSet } from '../../lib/preflight/template-set';
import { oneStack, stackTemplate } from './support';

const ec2Role = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'ec2.amazonaws.com' } }] } } };
const CONDITIONED = { Effect: 'Allow', Action: ['ecs:Poll', 'ecs:StartTelemetrySession'], Resource: '*', Condition: { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': ['Cluster', 'Arn'] } } } };
const TASK_SETS = { Effect: 'Allow', Action: 'ecs:Poll', Resource: { 'Fn::Join': ['', ['arn:aws:ecs:eu-west-1:493827162534:task-set/', { Ref: 'Cluster' }, '/*']] } };
const policy = (...statements: unknown[]) => ({ Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'P', Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: statements } } });
const service = (props: Record<string, unknown> = {}) => ({ Type: 'AWS::ECS::Service', Properties: { ServiceConnectConfiguration: { Enabled: true, Namespace: 'ns' }, ...props } });

describe('Preflight-ServiceConnectPoll', () => {
  test('finds an instance role that allows ecs:Poll only under the ecs:cluster condition, beside a Service Connect service on EC2', () => {
    const [f, ...rest] = SERVICE_CONNECT_POLL.check(oneStack({ Role: ec2Role, Policy: policy(CONDITIONED), Service: service() }));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ ruleId: 'Preflight-ServiceConnectPoll', logicalId: 'Policy', location: 'Properties.PolicyDocument.Statement.0' });
    expect(f.message).toMatch(/instance role Role allows ecs:Poll only under an ecs:cluster condition.*task-set.*never start/);
    expect(f.fix).toMatch(/task-set\/<cluster name>\/\*/);
  });

  test('finds the statement in the role\'s own policies, and ecs:* counts as ecs:Poll', () => {
    const role = { ...ec2Role, Properties: { ...ec2Role.Properties, Policies: [{ PolicyName: 'Agent', PolicyDocument: { Statement: [{ ...CONDITIONED, Action: 'ecs:*' }] } }] } };
    expect(SERVICE_CONNECT_POLL.check(oneStack({ Role: role, Service: service() })).map((f) => f.location)).toEqual(['Properties.Policies.0.PolicyDocument.Statement.0']);
  });

  test('passes a role that also allows ecs:Poll on the cluster\'s task sets (FleetCluster), or on * without a condition', () => {
    expect(SERVICE_CONNECT_POLL.check(oneStack({ Role: ec2Role, Policy: policy(CONDITIONED, TASK_SETS), Service: service() }))).toEqual([]);
    expect(SERVICE_CONNECT_POLL.check(oneStack({ Role: ec2Role, Policy: policy({ Effect: 'Allow', Action: 'ecs:Poll', Resource: '*' }), Service: service() }))).toEqual([]);
  });

  test('passes without Service Connect on EC2: no Service Connect, Fargate, or another region', () => {
    expect(SERVICE_CONNECT_POLL.check(oneStack({ Role: ec2Role, Policy: policy(CONDITIONED), Service: service({ ServiceConnectConfiguration: { Enabled: false } }) }))).toEqual([]);
    expect(SERVICE_CONNECT_POLL.check(oneStack({ Role: ec2Role, Policy: policy(CONDITIONED), Service: service({ LaunchType: 'FARGATE' }) }))).toEqual([]);
    const set = new TemplateSet([
      stackTemplate('Instances', { Role: ec2Role, Policy: policy(CONDITIONED) }, { region: 'eu-west-1' }),
      stackTemplate('Services', { Service: service() }, { region: 'us-east-1' }),
    ]);
    expect(SERVICE_CONNECT_POLL.check(set)).toEqual([]);
  });

  test('passes roles other than EC2 instance roles', () => {
    const lambdaRole = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }] } } };
    expect(SERVICE_CONNECT_POLL.check(oneStack({ Role: lambdaRole, Policy: policy(CONDITIONED), Service: service() }))).toEqual([]);
  });
});

describe('Preflight-ServiceConnectPoll on synthesized stacks', () => {
  const withServiceConnect = (cluster: ecs.ICluster, stack: Stack) => {
    const task = new ecs.Ec2TaskDefinition(stack, 'Task');
    task.addContainer('web', { image: ecs.ContainerImage.fromRegistry('nginx'), memoryLimitMiB: 128, portMappings: [{ containerPort: 80, name: 'web' }] });
    new ecs.Ec2Service(stack, 'Service', { cluster, taskDefinition: task, serviceConnectConfiguration: { namespace: 'internal', services: [{ portMappingName: 'web' }] } });
  };

  test('finds aws-cdk-lib\'s default instance role (Cluster.addCapacity) under a Service Connect service', () => {
    const app = new App();
    Validations.of(app).addPlugins(new FleetPreflightChecks());
    const stack = new Stack(app, 'Stack', { env: { account: '210987654321', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, defaultCloudMapNamespace: { name: 'internal', useForServiceConnect: true } });
    cluster.addCapacity('Capacity', { instanceType: new ec2.InstanceType('t3.small'), minCapacity: 1 });
    withServiceConnect(cluster, stack);
    expect(() => app.synth()).toThrow(/Preflight-ServiceConnectPoll/);
  });
});
