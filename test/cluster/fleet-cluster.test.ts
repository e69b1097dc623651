import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { SSM_AGENT_ACTIONS } from '../../lib/instances';
import { bootService, testStack } from '../support/fixtures';

describe('FleetCluster', () => {
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster');
  bootService(stack, cluster);
  const template = Template.fromStack(stack);

  test('runs on a launch template, never a launch configuration', () => {
    template.resourceCountIs('AWS::AutoScaling::LaunchConfiguration', 0);
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      LaunchTemplate: Match.objectLike({ LaunchTemplateId: Match.anyValue() }),
      MinSize: '2',
      MaxSize: '4',
    });
  });

  test('requires IMDSv2 with hop limit 1 and boots the ECS-optimized Amazon Linux 2023 AMI', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        ImageId: { Ref: Match.stringLikeRegexp('amazonlinux2023') },
      }),
    });
  });

  test('encrypts a gp3 root volume', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 30, DeleteOnTermination: true } }],
      }),
    });
  });

  test('opens no SSH and grants SSM Session Manager instead', () => {
    const groups = template.findResources('AWS::EC2::SecurityGroup');
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress');
    for (const rule of [...Object.values(groups).flatMap((g) => g.Properties.SecurityGroupIngress ?? []), ...Object.values(ingress).map((r) => r.Properties)]) {
      expect(rule.FromPort <= 22 && rule.ToPort >= 22).toBe(false);
    }
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] }),
      Policies: [{ PolicyName: 'SsmAgent', PolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Action: [...SSM_AGENT_ACTIONS].sort(), Resource: '*' })] }) }],
    });
  });

  describe('least privilege of the instances (issue 14)', () => {
    const instanceRole = () => {
      const roles = template.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] }) } });
      const [id] = Object.keys(roles);
      const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles).includes(id));
      const statements = [
        ...roles[id].Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement),
        ...policies.flatMap((p) => p.Properties.PolicyDocument.Statement),
      ];
      return { role: roles[id], statements };
    };
    const actionsOf = (statement: any): string[] => [statement.Action].flat();

    test('no AmazonSSMManagedInstanceCore (it reads every parameter of the account): no managed policy at all', () => {
      expect(instanceRole().role.Properties.ManagedPolicyArns).toBeUndefined();
    });

    test('reads no SSM parameter without a parameterPrefix', () => {
      const all = instanceRole().statements.flatMap(actionsOf);
      expect(all.filter((a) => /^ssm:GetParameter/.test(a) || a === 'ssm:*' || a === '*')).toEqual([]);
    });

    test('has no CloudWatch Logs permission on "*" (tasks log through their execution roles)', () => {
      const logs = instanceRole().statements.filter((st) => actionsOf(st).some((a) => a.startsWith('logs:')));
      expect(logs).toEqual([]);
    });

    test('keeps the ECS agent permissions, scoped to this cluster where IAM allows', () => {
      const { statements } = instanceRole();
      const cluster = { 'Fn::GetAtt': [Match.stringLikeRegexp('ClusterEcsCluster'), 'Arn'] };
      expect(statements).toEqual(expect.arrayContaining([
        expect.objectContaining({ Action: ['ecs:DeregisterContainerInstance', 'ecs:RegisterContainerInstance', 'ecs:Submit*'] }),
        expect.objectContaining({ Action: ['ecs:Poll', 'ecs:StartTelemetrySession'], Condition: { ArnEquals: { 'ecs:cluster': expect.anything() } } }),
        expect.objectContaining({ Action: ['ecr:GetAuthorizationToken', 'ecs:DiscoverPollEndpoint'], Resource: '*' }),
      ]));
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'EcsAgentRegistration', Resource: cluster })]) },
      });
    });

    test('lets the Service Connect agent poll as this cluster\'s task sets: ecs:Poll on their ARNs, without the ecs:cluster condition that refuses it (aws-cdk#28594)', () => {
      const { statements } = instanceRole();
      const taskSetPolls = statements.filter((st) => actionsOf(st).includes('ecs:Poll') && st.Condition === undefined);
      expect(taskSetPolls).toHaveLength(1);
      expect(taskSetPolls[0].Resource).toEqual({ 'Fn::Join': ['', [
        'arn:aws:ecs:eu-west-1:111111111111:task-set/', { Ref: expect.stringMatching(/^ClusterEcsCluster/) }, '/*',
      ]] });
      // Nothing else gains ecs:Poll without the condition: no '*', no other cluster.
      expect(statements.filter((st) => actionsOf(st).includes('ecs:Poll') && st.Resource === '*').every((st) => st.Condition?.ArnEquals?.['ecs:cluster'])).toBe(true);
    });

    test('with a parameterPrefix, reads only the parameters under it', () => {
      const s = testStack();
      new FleetCluster(s, 'Prefixed', { parameterPrefix: '/my-app/qa' });
      const role = Object.values(Template.fromStack(s).findResources('AWS::IAM::Role')).find((r) => r.Properties.Policies?.[0]?.PolicyName === 'SsmAgent')!;
      const reads = role.Properties.Policies[0].PolicyDocument.Statement.find((st: any) => st.Sid === 'OwnParameters');
      expect(reads.Action).toEqual(['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath']);
      expect(JSON.stringify(reads.Resource)).toContain(':parameter/my-app/qa"');
      expect(JSON.stringify(reads.Resource)).toContain(':parameter/my-app/qa/*"');
      expect(JSON.stringify(reads.Resource)).not.toMatch(/parameter\/\*"/);
    });

    test.each(['my-app', '/my-app/', '/my app'])('rejects the parameterPrefix %s', (parameterPrefix) => {
      expect(() => new FleetCluster(testStack(), 'Bad', { parameterPrefix })).toThrow(/parameterPrefix .* is not an SSM parameter path/);
    });
  });

  test('attaches the group through a capacity provider with managed scaling and managed draining', () => {
    template.hasResourceProperties('AWS::ECS::CapacityProvider', {
      AutoScalingGroupProvider: {
        AutoScalingGroupArn: { Ref: Match.stringLikeRegexp('ClusterCapacityASG') },
        ManagedScaling: { Status: 'ENABLED', TargetCapacity: 100 },
        ManagedDraining: 'ENABLED',
        ManagedTerminationProtection: 'DISABLED',
      },
    });
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      // FARGATE and FARGATE_SPOT from the start (fargateCapacityProviders), so no Fargate service ever changes the list.
      CapacityProviders: [{ Ref: Match.stringLikeRegexp('ClusterCapacityProvider') }, 'FARGATE', 'FARGATE_SPOT'],
      DefaultCapacityProviderStrategy: [{ CapacityProvider: { Ref: Match.stringLikeRegexp('ClusterCapacityProvider') }, Weight: 1 }],
    });
  });

  describe('user data: the ECS agent advertises every log driver ECS accepts on EC2', () => {
    /** The launch template's user data as text, tokens kept as JSON. */
    const userData = (): string => {
      const [lt] = Object.values(template.findResources('AWS::EC2::LaunchTemplate'));
      const data = lt.Properties.LaunchTemplateData.UserData['Fn::Base64'];
      if (typeof data === 'string') return data;
      return data['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : JSON.stringify(p))).join('');
    };

    test('appends the ECS_AVAILABLE_LOGGING_DRIVERS line to /etc/ecs/ecs.config, so gelf, journald and splunk tasks can be placed', () => {
      expect(userData().split('\n')).toContain(
        'echo \'ECS_AVAILABLE_LOGGING_DRIVERS=["json-file","syslog","journald","gelf","fluentd","awslogs","splunk","none"]\' >> /etc/ecs/ecs.config',
      );
    });

    test('sets the key once, beside the ECS_CLUSTER line aws-cdk-lib appends, so no other line overrides it', () => {
      const text = userData();
      expect(text.match(/ECS_AVAILABLE_LOGGING_DRIVERS=/g)).toHaveLength(1);
      expect(text).toMatch(/^echo ECS_CLUSTER=.* >> \/etc\/ecs\/ecs.config$/m);
    });
  });

  describe('a capacity roll (new instance type, AMI or user data) keeps the cluster serving', () => {
    const policy = () => Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0].UpdatePolicy;

    test('is an instance refresh that launches before it terminates, so capacity never drops below desired', () => {
      expect(policy().AutoScalingInstanceRefresh).toEqual({
        Strategy: 'Rolling',
        Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 200, InstanceWarmup: 180 },
      });
    });

    test('suspends no scaling process, so ECS managed scaling keeps working during the roll', () => {
      expect(policy().AutoScalingRollingUpdate).toBeUndefined();
      expect(JSON.stringify(policy())).not.toContain('SuspendProcesses');
    });

    test('a one-instance QA cluster keeps its instance until the new one is in service and warmed up', () => {
      const s = testStack();
      new FleetCluster(s, 'Qa', { natGateways: 0, minCapacity: 1, maxCapacity: 2, instanceWarmup: Duration.minutes(2) });
      const asg = Object.values(Template.fromStack(s).findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
      expect(asg.UpdatePolicy.AutoScalingInstanceRefresh.Preferences).toMatchObject({ MinHealthyPercentage: 100, InstanceWarmup: 120 });
      expect(asg.Properties.MinSize).toBe('1');
    });
  });

  test('turns on Container Insights', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  });

  test('creates a VPC over two Availability Zones with flow logs', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    expect(Object.keys(template.findResources('AWS::EC2::Subnet'))).toHaveLength(4);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  describe('teardown never hangs', () => {
    // aws-cdk #14732, #18179, #25969: instances protected from scale-in (managed termination protection)
    // keep the Auto Scaling Group, and so the stack deletion, waiting for up to an hour.
    test('instances are never protected from scale-in', () => {
      const asg = Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
      expect(asg.Properties.NewInstancesProtectedFromScaleIn).not.toBe(true);
    });

    test('services are deleted before the capacity provider association, which goes before the provider and the group', () => {
      const resources = template.toJSON().Resources as Record<string, any>;
      const id = (prefix: string, type: string) => Object.keys(resources).find((k) => k.startsWith(prefix) && resources[k].Type === type)!;
      const service = id('boot', 'AWS::ECS::Service');
      const association = id('ClusterEcsCluster', 'AWS::ECS::ClusterCapacityProviderAssociations');
      const provider = id('ClusterCapacityProvider', 'AWS::ECS::CapacityProvider');
      const group = id('ClusterCapacityASG', 'AWS::AutoScaling::AutoScalingGroup');
      // CloudFormation deletes in reverse dependency order: a resource goes before everything it depends on.
      expect(resources[service].DependsOn).toEqual(expect.arrayContaining([association]));
      expect(JSON.stringify(resources[association].Properties)).toContain(provider);
      expect(JSON.stringify(resources[provider].Properties)).toContain(group);
    });

    test('no custom drain hook that could hold instances in Terminating:Wait: ECS managed draining owns it', () => {
      // The only hook is the launch-time registration gate; nothing of ours holds a terminating instance.
      const hooks = Object.values(template.findResources('AWS::AutoScaling::LifecycleHook')) as any[];
      expect(hooks.map((h) => h.Properties.LifecycleTransition)).toEqual(['autoscaling:EC2_INSTANCE_LAUNCHING']);
      // The VPC default-security-group restriction, the teardown guard and the registration gate; none is a drain hook target.
      template.resourceCountIs('AWS::Lambda::Function', 3);
    });

    test('a guard between the group and the cluster deregisters leftover container instances before the cluster is deleted', () => {
      const resources = template.toJSON().Resources as Record<string, any>;
      const [guard] = Object.keys(template.findResources('Custom::FleetClusterTeardown'));
      const group = Object.keys(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
      const cluster = Object.keys(template.findResources('AWS::ECS::Cluster'))[0];
      // The group depends on the guard, the guard on the cluster: deletion runs group → guard → cluster.
      expect(resources[group].DependsOn).toEqual(expect.arrayContaining([guard]));
      expect(resources[guard].Properties.ClusterName).toEqual({ Ref: cluster });
      // A guard that never answers fails the deletion after its 14 minutes and a margin, not CloudFormation's hour.
      expect(resources[guard].Properties.ServiceTimeout).toBe('960');
      // The guard may only list and deregister this cluster's container instances.
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([{ Action: ['ecs:DeregisterContainerInstance', 'ecs:ListContainerInstances'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [cluster, 'Arn'] } }]) },
      });
    });
  });

  test('without NAT the instances get public addresses in public subnets', () => {
    const s = testStack();
    new FleetCluster(s, 'Cheap', { natGateways: 0 });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: true })] }),
    });
  });

  test('uses a given VPC and warns that natGateways is then ignored', () => {
    const s = testStack();
    const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2 });
    const c = new FleetCluster(s, 'InVpc', { vpc, natGateways: 0 });
    expect(c.vpc).toBe(vpc);
    Annotations.fromStack(s).hasWarning('/Test/InVpc', Match.stringLikeRegexp('natGateways is ignored'));
  });

  test.each([
    [{ minCapacity: 5, maxCapacity: 3 }, /minCapacity \(5\) is larger than maxCapacity \(3\).*Fix: raise maxCapacity/],
    [{ minCapacity: -1 }, /minCapacity -1 is not valid/],
    [{ maxCapacity: 2.5 }, /maxCapacity 2.5 is not valid/],
    [{ rootVolumeSizeGiB: 8 }, /rootVolumeSizeGiB 8 is not valid.*at least 30 GiB/],
    [{ instanceWarmup: Duration.hours(2) }, /instanceWarmup 2 hours is not valid/],
    [{ targetCapacityPercent: 150 }, /targetCapacityPercent 150 is not valid/],
  ])('rejects %j at synth with the construct path and the fix', (props, message) => {
    expect(() => new FleetCluster(testStack(), 'Bad', props)).toThrow(message);
    expect(() => new FleetCluster(testStack(), 'Bad', props)).toThrow(/^Test\/Bad: /);
  });
});
