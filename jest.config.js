/**
 * Sucrase strips types without type-checking (`npm run typecheck` runs tsc --noEmit once per run instead of once per
 * test file). It is pure JavaScript: @swc/jest and jest 30's resolver need platform binaries that the registry here does
 * not serve for every platform, which breaks `npm ci` (see docs/testing.md).
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '\\.(ts|js)$': '@sucrase/jest-plugin' },
  transformIgnorePatterns: ['/node_modules/'],
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Each CDK synth is CPU-bound; more workers than cores only adds contention.
  maxWorkers: process.env.CI ? 2 : '50%',
};
