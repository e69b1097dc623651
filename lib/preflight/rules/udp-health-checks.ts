import { acknowledgeHint, finding, PreflightFinding, IPreflightRule } from '../rule';
import { asArray, ResourceRef, TemplateSet } from '../template-set';

const ID = 'Preflight-UdpTargetGroupHealthCheck';

/**
 * A UDP target group of a Network Load Balancer that an ECS service registers on a dynamic host port, health
 * checked on that port. A UDP target group cannot be checked over UDP: its health check is TCP (or HTTP) on the
 * traffic port unless told otherwise, and a container that listens on UDP only never answers there. ECS counts the
 * health of every target group attached to the service, so it stops the tasks as unhealthy and starts new ones until
 * the deployment circuit breaker fails the service and CloudFormation rolls the stack back. (Traffic would "fail
 * open" at the load balancer; ECS does not.)
 */
export const UDP_TARGET_GROUP_HEALTH_CHECK: IPreflightRule = {
  id: ID,
  summary: 'a UDP target group an ECS service registers on a dynamic host port, health checked (over TCP) on that port',
  check(templates: TemplateSet): PreflightFinding[] {
    const findings: PreflightFinding[] = [];
    for (const service of templates.resourcesOfType('AWS::ECS::Service')) {
      const taskDefinition = templates.resolveResource(service.template, service.resource.Properties?.TaskDefinition);
      if (!taskDefinition || taskDefinition.resource.Type !== 'AWS::ECS::TaskDefinition') continue;
      const mode = taskDefinition.resource.Properties?.NetworkMode;
      // awsvpc and host register fixed ports; only bridge mode (the EC2 default) maps to dynamic host ports.
      if (mode !== undefined && templates.literal(taskDefinition.template, mode) !== 'bridge') continue;
      asArray(service.resource.Properties?.LoadBalancers).forEach((lb, i) => {
        const targetGroup = templates.resolveResource(service.template, lb?.TargetGroupArn);
        if (!targetGroup || targetGroup.resource.Type !== 'AWS::ElasticLoadBalancingV2::TargetGroup') return;
        const tg = targetGroup.resource.Properties ?? {};
        const protocol = String(templates.literal(targetGroup.template, tg.Protocol) ?? '').toUpperCase();
        if (protocol !== 'UDP') return;
        const checkPort = tg.HealthCheckPort === undefined ? 'traffic-port' : String(templates.literal(targetGroup.template, tg.HealthCheckPort));
        if (checkPort !== 'traffic-port') return;
        const containerName = templates.literal(service.template, lb?.ContainerName);
        const containerPort = Number(templates.literal(service.template, lb?.ContainerPort));
        if (!dynamicUdpMapping(templates, taskDefinition, containerName, containerPort)) return;
        findings.push(finding(ID, service, `Properties.LoadBalancers.${i}`,
          `UDP target group ${targetGroup.logicalId} receives container ${containerName} port ${containerPort}/udp on a dynamic host port and checks ` +
          `health (${String(templates.literal(targetGroup.template, tg.HealthCheckProtocol) ?? 'TCP').toUpperCase()}) on that port, where a UDP-only ` +
          'container never answers; ECS counts the target group\'s health, replaces the tasks as unhealthy, and the deployment circuit breaker rolls the stack back',
          'Do not publish the UDP port through a load balancer (compose projects leave it unpublished with a warning), or give the container a TCP ' +
          `listener on the same port, or point the target group's health check at a fixed port that answers. ${acknowledgeHint(ID)}`));
      });
    }
    return findings;
  },
};

/** Whether the task definition maps `containerName`'s `containerPort`/udp to a dynamic host port (HostPort absent or 0). */
function dynamicUdpMapping(templates: TemplateSet, taskDefinition: ResourceRef, containerName: unknown, containerPort: number): boolean {
  const container = asArray(taskDefinition.resource.Properties?.ContainerDefinitions)
    .find((c) => templates.literal(taskDefinition.template, c?.Name) === containerName);
  return asArray(container?.PortMappings).some((m) => {
    const protocol = String(templates.literal(taskDefinition.template, m?.Protocol) ?? 'tcp').toLowerCase();
    const hostPort = m?.HostPort === undefined ? 0 : Number(templates.literal(taskDefinition.template, m.HostPort));
    return protocol === 'udp' && Number(templates.literal(taskDefinition.template, m?.ContainerPort)) === containerPort && hostPort === 0;
  });
}
