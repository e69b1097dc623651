export { SwarmCluster } from './swarm-cluster';
export type { SwarmClusterProps } from './swarm-cluster';
export type { SwarmRegistryOptions } from './contract';
export { SwarmNodeGroup } from './swarm-node-group';
export type { SwarmNodeGroupProps } from './swarm-node-group';
