export { FleetService } from './fleet-service';
export type { FleetServiceProps } from './fleet-service';
export type { ServiceConfig } from './service-config';
