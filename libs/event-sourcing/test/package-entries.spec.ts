import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The library as a package: built on its own (its tsconfig.build.json, into its dist), each
 * entry point of its package.json `exports` loads, and the core loads no database driver, no
 * ORM and none of the PostgreSQL implementations: an application that only decides and folds
 * events pulls in nothing else.
 */

const LIBRARY = join(__dirname, '..');

interface PackageJson {
  readonly exports: Record<string, string | { readonly default: string }>;
}

/** Runs `script` in a fresh Node process (its own module cache) and parses what it prints. */
function inFreshNode<T>(script: string): T {
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], { cwd: LIBRARY, encoding: 'utf8' }),
  ) as T;
}

const loadedBy = (entry: string) =>
  inFreshNode<{ modules: string[]; exports: string[] }>(`
    const entry = require(${JSON.stringify(join(LIBRARY, entry))});
    console.log(JSON.stringify({
      modules: Object.keys(require.cache),
      exports: Object.keys(entry),
    }));
  `);

describe('the library package', () => {
  const manifest = JSON.parse(readFileSync(join(LIBRARY, 'package.json'), 'utf8')) as PackageJson;
  const entries = Object.fromEntries(
    Object.entries(manifest.exports)
      .filter(([name]) => name !== './package.json')
      .map(([name, target]) => [name, typeof target === 'string' ? target : target.default]),
  );

  beforeAll(() => {
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: LIBRARY,
        stdio: 'inherit',
      },
    );
  }, 120_000);

  it('declares the core, the Nest, the PostgreSQL and the testing entry points', () => {
    expect(Object.keys(entries).sort()).toEqual(['.', './nest', './postgres', './testing']);
  });

  it('loads the core without a database driver, an ORM or the PostgreSQL implementations', () => {
    const { modules, exports } = loadedBy(entries['.']);
    expect(exports).toEqual(
      expect.arrayContaining(['foldEvents', 'CommandExecutor', 'ProjectionRunner']),
    );
    const offending = modules.filter(
      (path) =>
        /[\\/]node_modules[\\/](pg|pg-[^\\/]+|typeorm|@nestjs[\\/][^\\/]+)[\\/]/.test(path) ||
        /[\\/]dist[\\/]postgres[\\/]/.test(path),
    );
    expect(offending).toEqual([]);
  });

  it('loads the PostgreSQL implementations from their own entry point', () => {
    const { exports } = loadedBy(entries['./postgres']);
    expect(exports).toEqual(
      expect.arrayContaining([
        'PostgresEventStore',
        'eventStoreMigrations',
        'PostgresProjectionStore',
      ]),
    );
  });

  it('loads the Nest module from its own entry point', () => {
    const { exports } = loadedBy(entries['./nest']);
    expect(exports).toEqual(
      expect.arrayContaining(['EventSourcingModule', 'InjectEventStore', 'EVENT_STORE']),
    );
  });

  it('loads the test helpers from their own entry point', () => {
    const { exports } = loadedBy(entries['./testing']);
    expect(exports).toEqual(expect.arrayContaining(['given']));
  });
});
