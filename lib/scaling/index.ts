// Task auto scaling of FleetService: the `scaling` prop's types. The wiring and the pure plan behind it are internal.
export { WeekDays } from './scaling-props';
export type { ServiceScaling, ScalingSchedule, QueueScaling } from './scaling-props';
