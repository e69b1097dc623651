export { FleetService } from './fleet-service';
export type { FleetServiceProps } from './fleet-service';
export type { ServiceConfig } from './service-config';
export type { FleetPortMapping, FleetServiceConnect } from './fleet-service';
export type { ExtraHosts } from './container-options';
export { FleetNetworkMode } from './networking';
export { FleetDeploymentStrategy } from './blue-green';
export type { FleetBlueGreenOptions } from './blue-green';
