import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgeFinding } from '../acknowledge';
import { nagResourceName } from '../nag';

/**
 * The ECS agent's own permissions on a container instance role, scoped to one cluster.
 *
 * aws-cdk-lib's `addAsgCapacityProvider` would grant `logs:CreateLogStream`/`logs:PutLogEvents` on `*` as well: every
 * task of a FleetService (and any `ecs.TaskDefinition` with the awslogs driver) writes its logs with its task
 * execution role, scoped to its own log group, which the agent uses from version 1.16.0 on (ECS Developer Guide,
 * "Amazon ECS task execution IAM role"); the instance role is only the fallback for tasks without one, so a host
 * cannot write into another environment's log groups.
 *
 * aws-cdk-lib allows `ecs:Poll` only under an `ecs:cluster` condition. The Service Connect agent polls for its
 * configuration with the task set's ARN as the resource, and that request does not satisfy the condition: the
 * sidecar logs "Unauthorized to perform ecs:Poll for arn:aws:ecs:…:task-set/<cluster>/<service>/…", never becomes
 * healthy, and no task of the service starts (aws/aws-cdk#28594, aws/amazon-ecs-agent#4397,
 * aws/amazon-ecs-service-connect-agent#142). So `ecs:Poll` is also allowed on this cluster's task sets by ARN. The
 * conditioned statement stays for the agent's own channel (its resource is the container instance), as it has worked
 * since aws-cdk-lib introduced it.
 */
export function grantEcsAgent(role: iam.Role, cluster: ecs.ICluster): void {
  const clusterArn = cluster.clusterArn;
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'EcsAgentRegistration',
    actions: ['ecs:RegisterContainerInstance', 'ecs:DeregisterContainerInstance', 'ecs:Submit*'],
    resources: [clusterArn],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'EcsAgentPoll',
    actions: ['ecs:Poll', 'ecs:StartTelemetrySession'],
    resources: ['*'],
    conditions: { ArnEquals: { 'ecs:cluster': clusterArn } },
  }));
  const taskSets = serviceConnectTaskSetArns(cluster);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ServiceConnectPoll',
    actions: ['ecs:Poll'],
    resources: [taskSets],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'EcsAgentDiscovery',
    actions: ['ecs:DiscoverPollEndpoint', 'ecr:GetAuthorizationToken'],
    resources: ['*'],
  }));
  acknowledgeFinding(role, {
    id: 'AwsSolutions-IAM5[Action::ecs:Submit*]',
    reason: 'the ECS agent reports task, container and attachment state changes (ecs:SubmitTaskStateChange and its siblings) only for this cluster: the statement is scoped to its ARN',
  });
  acknowledgeFinding(role, {
    id: `AwsSolutions-IAM5[Resource::${nagResourceName(role, taskSets)}]`,
    reason: 'the Service Connect agent polls for its configuration as each task set of this cluster, whose ids ECS makes per deployment: ecs:Poll on this cluster\'s task sets and nothing else',
  });
  // Resource::* is acknowledged by ssmInstanceRole already; the reason here covers the agent's statements too.
  acknowledgeFinding(role, {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ecs:Poll and ecs:StartTelemetrySession are limited to this cluster by the ecs:cluster condition; ecs:DiscoverPollEndpoint and ecr:GetAuthorizationToken support no resource-level permissions; SSM Agent\'s calls act on the calling instance only',
  });
}

/** `arn:…:ecs:<region>:<account>:task-set/<cluster name>/*`: every task set of every service of the cluster. */
function serviceConnectTaskSetArns(cluster: ecs.ICluster): string {
  return Stack.of(cluster).formatArn({ service: 'ecs', resource: 'task-set', resourceName: `${cluster.clusterName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
}
