/**
 * @swc/jest strips types without type-checking: `npm run typecheck` (tsc --noEmit)
 * checks types once per run instead of once per test file (measured in docs/testing.md).
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  testTimeout: 120000,
  // Each CDK synth is CPU-bound; more workers than cores only adds contention.
  maxWorkers: process.env.CI ? 2 : '50%',
};
