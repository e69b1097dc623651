export * from './assembly';
export * from './check';
export * from './deployed';
export * from './replacements';
