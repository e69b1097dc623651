/** What the teardown guard reports to CloudFormation once its loop ends. */
export function teardownOutcome(cluster: string, deregistered: number, left: readonly string[]): { status: 'SUCCESS' | 'FAILED'; reason: string } {
  if (left.length === 0) {
    return { status: 'SUCCESS', reason: deregistered === 0 ? `no container instance left in ${cluster}` : `deregistered ${deregistered} container instance(s) of ${cluster}` };
  }
  // Failing here names what is left; succeeding would only move the same failure to DeleteCluster, less clearly.
  return {
    status: 'FAILED',
    reason: `${left.length} container instance(s) of ${cluster} are still registered: ${left.slice(0, 5).join(', ')}${left.length > 5 ? ', …' : ''}; `
      + 'deregister them (aws ecs deregister-container-instance --force) and retry the stack deletion',
  };
}
