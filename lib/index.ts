// The public API of cdk-container-fleet: constructs, their props and enums, the error type, and the documented pure
// functions. Everything else under lib/ is internal and may change in any release. Each folder's index.ts is that
// capability's public surface; this file only re-exports.
export { FleetConfigurationError } from './errors';
export * from './cluster';
export * from './service';
export * from './routing';
export * from './dns';
export * from './swarm';
export * from './compose';
export * from './secrets';
export * from './rollout';
export * from './environments';
export * from './preflight';
export * from './update-check';
export * from './snapshot';
export * from './report';
export * from './scaling';
export * from './observability';
