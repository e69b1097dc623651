// @ts-check
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'dist/**', '**/*.js', '**/*.d.ts', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': 'off',
      eqeqeq: ['error', 'smart'],
      'prefer-const': 'error',
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    files: ['lib/**/*.ts'],
    // lib/ is the package: it never imports the app, tests, examples or handler code (shared contracts live in lib/).
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/bin/*', '**/test/*', '**/examples/*', '**/lambda/*', '**/lambda/**'] }] },
  },
);
