// @ts-check
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import eslint from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * A bounded context is a folder of `src` with an `index.ts`: that file is its public surface,
 * the only one the rest of the application may import. Adding an index makes a folder a context.
 */
const contexts = readdirSync(join(import.meta.dirname, 'src'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .filter((entry) => existsSync(join(import.meta.dirname, 'src', entry.name, 'index.ts')))
  .map((entry) => entry.name);

/** Packages a domain folder never imports: the framework, the database, HTTP. */
const FRAMEWORK_DATABASE_HTTP_PACKAGES = [
  '@nestjs/*',
  'typeorm',
  'pg',
  'pg-*',
  'express',
  'helmet',
  'supertest',
  'class-validator',
  'class-transformer',
];
const HTTP_CORE_MODULES = ['http', 'https', 'http2', 'node:http', 'node:https', 'node:http2'];

/**
 * The architecture's boundaries (eslint-plugin-boundaries resolves every import, export and
 * require to a file and checks it against these policies):
 * - the event-sourcing library never imports the application (`src`, `test`);
 * - a context is imported only through its index.ts, by other contexts and by the rest of `src`;
 * - a domain folder imports neither Nest, nor the database, nor HTTP code.
 */
const boundaryRules = {
  files: ['src/**/*.ts', 'libs/**/*.{ts,js}'],
  plugins: { boundaries },
  settings: {
    'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } },
    'boundaries/root-path': import.meta.dirname,
    'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import', 'require'],
    'boundaries/legacy-templates': false,
    'boundaries/elements': [
      {
        type: 'context',
        pattern: `src/@(${contexts.join('|')})`,
        capture: ['context'],
        partialMatch: false,
      },
      { type: 'app', pattern: 'src', partialMatch: false },
      { type: 'library', pattern: 'libs/event-sourcing', partialMatch: false },
      { type: 'test', pattern: 'test', partialMatch: false },
    ],
    'boundaries/files': [
      { category: 'domain', pattern: 'src/*/domain/**' },
      {
        category: 'http',
        pattern: [
          'src/**/http/**',
          'src/**/*.controller.ts',
          'src/**/*.dto.ts',
          'src/**/*.middleware.ts',
          'src/**/*.guard.ts',
          'src/**/*.interceptor.ts',
          'src/common/errors/api-error.ts',
          'src/common/errors/problem-details*.ts',
        ],
      },
      {
        category: 'database',
        pattern: [
          'src/database/**',
          'src/**/*.migration.ts',
          'src/**/*.sql.ts',
          'src/**/*.entity.ts',
          'libs/event-sourcing/src/postgres/**',
        ],
      },
    ],
  },
  rules: {
    'boundaries/dependencies': [
      'error',
      {
        default: 'allow',
        checkAllOrigins: true,
        checkInternals: true,
        policies: [
          {
            from: { element: { type: 'library' } },
            disallow: { to: { element: { type: ['app', 'context', 'test'] } } },
            message:
              'The event-sourcing library never imports the application ({{ dependency.source }}).',
          },
          {
            disallow: {
              to: {
                element: {
                  type: 'context',
                  captured: { context: '!{{ from.captured.context }}' },
                  fileInternalPath: '!index.ts',
                },
              },
            },
            message:
              'Import the {{ to.captured.context }} context through its index.ts, not {{ dependency.source }}.',
          },
          {
            from: { file: { categories: 'domain' } },
            disallow: [
              { to: { module: { origin: 'external', source: FRAMEWORK_DATABASE_HTTP_PACKAGES } } },
              { to: { module: { origin: 'core', source: HTTP_CORE_MODULES } } },
              { to: { file: { categories: ['http', 'database'] } } },
            ],
            message:
              'A domain folder imports no Nest, no database and no HTTP code ({{ dependency.source }}).',
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'libs/event-sourcing/dist/**',
      'node_modules/**',
      'coverage/**',
      '.data/**',
      'eslint.config.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: [
            '*.js',
            'test/support/*.js',
            'libs/event-sourcing/test/*.js',
            'tools/generator/*.js',
          ],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    // Jest's asymmetric matchers (expect.any, expect.stringMatching) are typed `any`.
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    // The documentation's example clients import types generated from a running app's OpenAPI
    // document, which the repository does not hold: linted without type information here,
    // type-checked strictly against those types by test/openapi-client.e2e-spec.ts.
    files: ['docs/examples/**/*.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
  boundaryRules,
);
