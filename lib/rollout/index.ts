export * from './planner';
export * from './clean-slate';
export * from './regional-endpoint';
