import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/*
 * The architecture's boundaries are lint rules (eslint.config.mjs). These specifications lint
 * small sources placed at paths of the repository with that very configuration, so they fail
 * if the rules are removed or stop resolving imports, and show what each rule allows.
 */

interface Source {
  readonly filePath: string;
  readonly code: string;
}

interface LintMessage {
  readonly ruleId: string | null;
  readonly message: string;
  readonly fatal: boolean;
}

const RULE = 'boundaries/dependencies';

/** The boundary messages of each source, in order (one child process for all of them). */
function lintBoundaries(sources: readonly Source[]): LintMessage[][] {
  const run = spawnSync(
    process.execPath,
    [join(__dirname, 'support', 'lint-sources.js'), 'boundaries/'],
    { input: JSON.stringify(sources), encoding: 'utf8', timeout: 50_000 },
  );
  if (run.status !== 0) throw new Error(`lint-sources failed: ${run.stderr}`);
  const results = JSON.parse(run.stdout) as LintMessage[][];
  const unparsed = results.flat().filter((message) => message.fatal);
  if (unparsed.length > 0) throw new Error(`a source did not parse: ${JSON.stringify(unparsed)}`);
  return results;
}

const source = (filePath: string, ...lines: string[]): Source => ({
  filePath,
  code: `${lines.join('\n')}\n`,
});

/** A boundary message whose text matches. */
const refused = (text: RegExp): unknown =>
  expect.objectContaining({ ruleId: RULE, message: expect.stringMatching(text) });

// Each case: a source, and the boundary messages it must get (none: it is allowed).
const cases: readonly [string, Source, readonly unknown[]][] = [
  [
    'a context importing another context by a deep path is refused',
    source(
      'src/transfers/x.ts',
      "import { AccountEvent } from '../accounts/domain/account.events';",
      'export type X = AccountEvent;',
    ),
    [
      refused(
        /accounts context through its index\.ts, not \.\.\/accounts\/domain\/account\.events/,
      ),
    ],
  ],
  [
    'a deep type-only import and a deep re-export are refused as well',
    source(
      'src/transfers/commands/x.ts',
      "import type { AccountState } from '../../accounts/domain/account.state';",
      "export { customerStreamId } from '../../customers/domain/customer.state';",
      'export type X = AccountState;',
    ),
    [
      refused(/accounts context through its index\.ts/),
      refused(/customers context through its index\.ts/),
    ],
  ],
  [
    'code of src outside any context importing a context by a deep path is refused',
    source(
      'src/cli/x.ts',
      "import { accountAggregate } from '../accounts/domain/account.state';",
      'export const x = accountAggregate;',
    ),
    [refused(/accounts context through its index\.ts/)],
  ],
  [
    'a context importing another through its index.ts is allowed',
    source(
      'src/transfers/x.ts',
      "import { AccountEventType, AccountsModule } from '../accounts';",
      "import { customerStreamId } from '../customers/index';",
      'export const x = [AccountEventType, AccountsModule, customerStreamId];',
    ),
    [],
  ],
  [
    'a context importing its own files by any path is allowed',
    source(
      'src/accounts/commands/x.ts',
      "import { AccountEventType } from '../domain/account.events';",
      "import { AccountsController } from '../http/accounts.controller';",
      'export const x = [AccountEventType, AccountsController];',
    ),
    [],
  ],
  [
    'the library importing the application (src or test) is refused',
    source(
      'libs/event-sourcing/src/core/x.ts',
      "import { AccountsModule } from '../../../../src/accounts';",
      "import { typeOrmOptions } from '../../../../src/database/typeorm-options';",
      "import { startTestApp } from '../../../../test/support/test-app';",
      'export const x = [AccountsModule, typeOrmOptions, startTestApp];',
    ),
    [
      refused(/library never imports the application \(\.\.\/\.\.\/\.\.\/\.\.\/src\/accounts\)/),
      refused(/library never imports the application .*typeorm-options/),
      refused(/library never imports the application .*test\/support\/test-app/),
    ],
  ],
  [
    'the library importing itself is allowed',
    source(
      'libs/event-sourcing/src/core/x.ts',
      "import { foldEvents } from './decider';",
      "import { PostgresEventStore } from '../postgres/postgres-event-store';",
      'export const x = [foldEvents, PostgresEventStore];',
    ),
    [],
  ],
  [
    'a domain folder importing Nest, the database or HTTP code is refused',
    source(
      'src/accounts/domain/x.ts',
      "import { Injectable } from '@nestjs/common';",
      "import { CommandHandler } from '@nestjs/cqrs';",
      "import { DataSource } from 'typeorm';",
      "import { Pool } from 'pg';",
      "import { createServer } from 'node:http';",
      "import { AccountsController } from '../http/accounts.controller';",
      "import { ApiError } from '../../common/errors/api-error';",
      "import { typeOrmOptions } from '../../database/typeorm-options';",
      'export const x = [Injectable, CommandHandler, DataSource, Pool, createServer];',
      'export const y = [AccountsController, ApiError, typeOrmOptions];',
    ),
    [
      refused(/domain folder .* \(@nestjs\/common\)/),
      refused(/domain folder .* \(@nestjs\/cqrs\)/),
      refused(/domain folder .* \(typeorm\)/),
      refused(/domain folder .* \(pg\)/),
      refused(/domain folder .* \(node:http\)/),
      refused(/domain folder .* \(\.\.\/http\/accounts\.controller\)/),
      refused(/domain folder .* \(\.\.\/\.\.\/common\/errors\/api-error\)/),
      refused(/domain folder .* \(\.\.\/\.\.\/database\/typeorm-options\)/),
    ],
  ],
  [
    'a domain folder importing its own domain, the shared kernel and the library core is allowed',
    source(
      'src/transfers/domain/x.ts',
      "import { foldEvents } from '@ledgerline/event-sourcing';",
      "import { MAX_AMOUNT } from '../../shared-kernel/money';",
      "import { TransferEventType } from './transfer.events';",
      'export const x = [foldEvents, MAX_AMOUNT, TransferEventType];',
    ),
    [],
  ],
];

describe('the architecture boundaries enforced by the linter', () => {
  let results: LintMessage[][];
  beforeAll(() => {
    results = lintBoundaries(cases.map(([, lint]) => lint));
  });

  it.each(cases.map(([name], index) => [name, index] as const))('%s', (_name, index) => {
    const [, , expected] = cases[index];
    expect(results[index]).toEqual(expected);
  });
});
