export * from './planner';
export * from './clean-slate';
export * from './regional-endpoint';
export * from './forecast';
export * from './fleet-conductor';
