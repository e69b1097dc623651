import { Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/**
 * Whether the cluster is known to run without Container Insights (its `containerInsights` setting is `disabled`):
 * then ECS/ContainerInsights metrics (RunningTaskCount, DesiredTaskCount) have no data, and what reads them never
 * acts. Unknown (an imported cluster) counts as on.
 */
export function containerInsightsOff(cluster: ecs.ICluster): boolean {
  const cfn = cluster.node.defaultChild as ecs.CfnCluster | undefined;
  if (!cfn || !(cfn instanceof ecs.CfnCluster)) return false;
  const settings = Stack.of(cluster).resolve(cfn.clusterSettings) as Array<{ name?: string; value?: string; Name?: string; Value?: string }> | undefined;
  return (settings ?? []).some((s) => (s.name ?? s.Name) === 'containerInsights' && (s.value ?? s.Value) === 'disabled');
}
