import { CfnParameter, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { FleetService } from '../../lib/service/fleet-service';
import { bootService, testStack } from '../support/fixtures';

describe('FleetService', () => {
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster');
  const boot = bootService(stack, cluster);
  const template = Template.fromStack(stack);

  test('reproduces the reference task: cpu 300, 300 MiB, port 8080 on a dynamic host port', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      NetworkMode: 'bridge',
      RequiresCompatibilities: ['EC2'],
      ContainerDefinitions: [Match.objectLike({
        Image: 'laszlocph/spring-boot-dummy:exposed',
        Cpu: 300,
        Memory: 300,
        Essential: true,
        PortMappings: [{ ContainerPort: 8080, HostPort: 0, Protocol: 'tcp' }],
      })],
    });
  });

  test('reproduces the reference service: 2 tasks, 200 % / 50 %, circuit breaker with rollback, on the capacity provider', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 2,
      DeploymentConfiguration: Match.objectLike({
        MaximumPercent: 200,
        MinimumHealthyPercent: 50,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
      CapacityProviderStrategy: [{ CapacityProvider: { Ref: Match.stringLikeRegexp('ClusterCapacityProvider') }, Weight: 1 }],
      LaunchType: Match.absent(),
      PlacementStrategies: [{ Type: 'spread', Field: 'attribute:ecs.availability-zone' }, { Type: 'spread', Field: 'instanceId' }],
    });
  });

  test('logs to CloudWatch with a retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }) })],
    });
  });

  test('exposes what it made', () => {
    expect(boot.service).toBeInstanceOf(ecs.Ec2Service);
    expect(boot.taskDefinition).toBeInstanceOf(ecs.Ec2TaskDefinition);
    expect(boot.container.containerName).toBe('app');
    expect(boot.connections).toBe(cluster.connections);
  });

  test('passes environment, secrets, command and the container health check', () => {
    const s = testStack();
    const c = new FleetCluster(s, 'Cluster');
    const param = ssm.StringParameter.fromSecureStringParameterAttributes(s, 'P', { parameterName: '/db/password' });
    new FleetService(s, 'Full', {
      cluster: c, image: 'nginx:1.27', environment: { MODE: 'prod' }, secrets: { DB_PASSWORD: ecs.Secret.fromSsmParameter(param) },
      command: ['nginx', '-g', 'daemon off;'], healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'] }, desiredCount: 3,
    });
    Template.fromStack(s).hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({
        Environment: [{ Name: 'MODE', Value: 'prod' }],
        Secrets: [Match.objectLike({ Name: 'DB_PASSWORD' })],
        Command: ['nginx', '-g', 'daemon off;'],
        HealthCheck: Match.objectLike({ Command: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'] }),
      })],
    });
    Template.fromStack(s).hasResourceProperties('AWS::ECS::Service', { DesiredCount: 3 });
  });

  describe('rejects bad input at synth, naming the construct and the fix', () => {
    const make = (props: Record<string, unknown>) => () => {
      const s = testStack();
      bootService(s, new FleetCluster(s, 'Cluster'), props, 'svc');
    };
    test.each([
      [{ image: '' }, /Test\/svc: image is empty\. Fix: give an image reference/],
      [{ image: 'nginx latest' }, /image 'nginx latest' contains whitespace/],
      [{ image: 'Nginx:1.27' }, /Test\/svc: image 'Nginx:1\.27' is not a reference Docker accepts: its repository 'Nginx' has upper-case letters.*every task would fail to start\. Fix: write the repository in lower case: 'nginx:1\.27'\./],
      [{ image: 'nginx:' }, /image 'nginx:' is not a reference Docker accepts: its tag is empty.*Fix: write it as \[registry\[:port\]\/\]repository/],
      [{ image: 'nginx@sha256:123' }, /its digest 'sha256:123'/],
      [{ environment: { '': 'x' } }, /Test\/svc: environment: the variable name "" is empty\. Fix: name each variable/],
      [{ environment: { 'MODE=prod': 'x' } }, /environment: the variable name "MODE=prod" contains '='/],
      [{ environment: { 'A\0B': 'x' } }, /environment: the variable name "A\\u0000B" contains a NUL character/],
      [{ cpu: 0 }, /Test\/svc: cpu 0 is not valid\. Fix: use a whole number from 2 to 196608/],
      [{ cpu: 1.5 }, /cpu 1.5 is not valid/],
      [{ memoryLimitMiB: 4 }, /memoryLimitMiB 4 is not valid.*Docker needs at least 6/],
      [{ memoryLimitMiB: 300, memoryReservationMiB: 400 }, /memoryReservationMiB 400 is above memoryLimitMiB 300/],
      [{ containerPort: 0 }, /containerPort 0 is not valid.*1 to 65535/],
      [{ containerPort: 70000 }, /containerPort 70000 is not valid/],
      [{ desiredCount: -1 }, /desiredCount -1 is not valid/],
      [{ minHealthyPercent: 100, maxHealthyPercent: 100 }, /no deployment can ever replace a task/],
      [{ maxHealthyPercent: 50 }, /maxHealthyPercent 50 is not valid/],
    ])('%j', (props, message) => {
      expect(make(props)).toThrow(message);
    });
  });

  test('accepts registry references with ports, digests and upper-case registry hosts, and images that are tokens', () => {
    const s = testStack();
    const c = new FleetCluster(s, 'Cluster');
    const digest = 'sha256:' + '0'.repeat(64);
    for (const [id, image] of [['a', 'localhost:5000/team/app:V1'], ['b', `nginx:1.27@${digest}`], ['c', 'Registry.Example.com/app'],
      ['d', `${s.account}.dkr.ecr.${s.region}.amazonaws.com/app:1.0`], ['e', `${Token.asString(new CfnParameter(s, 'Image'))}`]]) {
      expect(() => new FleetService(s, id, { cluster: c, image, environment: { LOG_LEVEL: 'info', 'spring.profiles.active': 'prod' } })).not.toThrow();
    }
  });
});
