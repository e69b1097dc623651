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
    // CommonJS modules (lambda/third-party-notices.cjs: the build script and jest both load it) import with require.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['lib/**/*.ts'],
    // lib/ is the package: it never imports the app, tests, examples or handler code (shared contracts live in lib/).
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/bin/*', '**/test/*', '**/examples/*', '**/lambda/*', '**/lambda/**'] }] },
  },
  {
    files: ['lib/**/*.ts', 'lambda/**/*.ts'],
    ignores: ['lambda/shared/clock.ts'],
    // A handler or pure function that reads the real clock makes its tests depend on the day they run: handlers read
    // lambda/shared/clock.ts (tests fix it), pure functions take the time as an argument.
    rules: {
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Read the time from lambda/shared/clock.ts (handlers) or take it as an argument (pure logic).' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Read the time from lambda/shared/clock.ts (handlers) or take it as an argument (pure logic).' },
        // aws-cdk-lib before 2.269.0 refuses cdk-nag's granular ids (AwsSolutions-IAM5[Resource::…]); the helper does not.
        { selector: "CallExpression[callee.property.name='acknowledge'][callee.object.callee.object.name='Validations'][callee.object.callee.property.name='of']", message: 'Acknowledge with acknowledgeFinding(scope, { id, reason }) from lib/acknowledge.ts: it works on every aws-cdk-lib the peer range accepts.' },
      ],
    },
  },
);
