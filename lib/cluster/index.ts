export { FleetCluster } from './fleet-cluster';
export type { FleetClusterProps } from './fleet-cluster';
export type { InstanceHardening } from './instance-hardening';
export type { FleetClusterAttributes, IFleetCluster } from './imported-cluster';
export type { SpotCapacity } from './spot-capacity';
