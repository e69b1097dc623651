export { CleanSlate } from './clean-slate';
export type { CleanSlateProps } from './clean-slate';
export { RegionalEndpoint } from './regional-endpoint';
export type { RegionalEndpointProps } from './regional-endpoint';
export { estimateRollout, planRollout, RolloutPlanError } from './planner';
export type { PlanRolloutOptions, RolloutEstimate, RolloutPlan, RolloutRegion, RolloutStep, RolloutStrategy, StepTimings } from './planner';
export * from './forecast';
export * from './fleet-conductor';
