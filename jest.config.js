// Unit (*.spec.ts), PostgreSQL integration (*.int-spec.ts) and HTTP end-to-end
// (test/*.e2e-spec.ts) tests in one run. Each file gets its own schema (see
// test/support/test-database.ts), so files run in parallel and the suite can run twice.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testMatch: ['<rootDir>/{src,libs,test}/**/*.{spec,int-spec,e2e-spec}.ts'],
  // Transpile only: the type check is `npm run typecheck` (tsc), run once in CI, not per file.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: {
    '^@ledgerline/event-sourcing$': '<rootDir>/libs/event-sourcing/src/index.ts',
    '^@ledgerline/event-sourcing/testing$': '<rootDir>/libs/event-sourcing/src/testing/index.ts',
  },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60_000,
  maxWorkers: 2,
};
