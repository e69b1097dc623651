export { ProductionStack } from './production';
export type { DomainConfig, ProductionConfig, ProductionStackProps } from './production';
export { QaStack, qaStackName } from './qa';
export type { QaStackProps } from './qa';
export { applyRolloutOrder, nightlySchedules, planRegions, regionStackId, rolloutDependencies, rolloutWaves } from './multi-region';
export type { DailyTime, Dependable, NightlyScheduleOptions, RegionConfig } from './multi-region';
export type { WorkingHours } from './working-hours';
