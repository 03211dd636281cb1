// Unit (*.spec.ts), PostgreSQL integration (*.int-spec.ts) and HTTP end-to-end
// (test/*.e2e-spec.ts) tests in one run. Each file gets its own schema (see
// test/support/test-database.ts), so files run in parallel and the suite can run twice.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testMatch: ['<rootDir>/{src,libs,test}/**/*.{spec,int-spec,e2e-spec}.ts'],
  // Transpile only: the type check is `npm run typecheck` (tsc), run once in CI, not per file.
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // jose and json-schema-ref-parser (of swagger-parser, which the OpenAPI test validates the
    // document with) ship ES modules only; Node loads them with require() but Jest's module
    // system does not, so Jest (and only Jest) compiles them to CommonJS.
    '^.+/node_modules/(jose|@apidevtools/json-schema-ref-parser)/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|@apidevtools/json-schema-ref-parser)/)'],
  moduleNameMapper: {
    '^@ledgerline/event-sourcing$': '<rootDir>/libs/event-sourcing/src/index.ts',
    '^@ledgerline/event-sourcing/nest$': '<rootDir>/libs/event-sourcing/src/nest/index.ts',
    '^@ledgerline/event-sourcing/postgres$': '<rootDir>/libs/event-sourcing/src/postgres/index.ts',
    '^@ledgerline/event-sourcing/testing$': '<rootDir>/libs/event-sourcing/src/testing/index.ts',
  },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60_000,
  maxWorkers: 2,
};
