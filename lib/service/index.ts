export { FleetService } from './fleet-service';
export type { FleetServiceProps } from './fleet-service';
export type { ServiceConfig } from './service-config';
export type { FleetPortMapping, FleetServiceConnect } from './fleet-service';
export type { ExtraHosts } from './container-options';
export { ServicePlacement } from './placement';
export type { FleetEfsVolume, FleetHostVolume } from './volumes';
