export { CleanSlate } from './clean-slate';
export type { CleanSlateProps } from './clean-slate';
export { RegionalEndpoint } from './regional-endpoint';
export type { RegionalEndpointProps } from './regional-endpoint';
export { estimateRollout, planRollout, RolloutPlanError, RolloutStepKind, RolloutStrategy } from './planner';
export type { PlanRolloutOptions, RolloutEstimate, RolloutPlan, RolloutRegion, RolloutStep, StepTimings } from './planner';
export { RolloutPlanner } from './rollout-planner';
export * from './forecast';
export * from './fleet-conductor';
