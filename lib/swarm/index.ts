export { SwarmCluster, SWARM_TAG, SWARM_ROLE_TAG } from './swarm-cluster';
export type { SwarmClusterProps, SwarmRegistryOptions } from './swarm-cluster';
export { SwarmNodeGroup } from './swarm-node-group';
export type { SwarmNodeGroupProps } from './swarm-node-group';
export { LABEL_NAME, ENV_NAME, labelNameProblem, exportProblem } from './labels';
