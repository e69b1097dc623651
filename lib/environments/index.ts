export { ProductionStack } from './production';
export type { DomainConfig, ProductionCapacity, ProductionConfig, ProductionStackProps } from './production';
export { QaStack, qaStackName } from './qa';
export type { QaStackProps } from './qa';
export { applyRolloutOrder, MultiRegion, nightlySchedules, planRegions, regionStackId, rolloutDependencies, rolloutWaves } from './multi-region';
export type { DailyTime, Dependable, NightlyScheduleOptions, PlanRegionsOptions, RegionConfig, StackDependency } from './multi-region';
export type { WorkingHours } from './working-hours';
