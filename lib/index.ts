export * from './errors';
export * from './cluster/fleet-cluster';
export * from './service/fleet-service';
export * from './routing/fleet-load-balancer';
export * from './routing/priorities';
export * from './routing/patterns';
