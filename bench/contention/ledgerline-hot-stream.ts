/**
 * Our side of the hot-stream benchmark: the application's Nest context built as the app
 * builds it (AppModule.forRoot on a migrated schema), with only the background loops that
 * are not under test switched off (projection runners, the process-manager worker, the
 * outbox relay; no broker). Commands go through the CommandBus to the real handlers, so a
 * deposit is: idempotency check, snapshot + tail load, decide, one append transaction
 * (events, outbox row, snapshot when due, command record), retry on conflict.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { EventStore } from '@ledgerline/event-sourcing';
import { AppModule } from '../../src/app.module';
import { ACCOUNT_COMMANDS } from '../../src/accounts/accounts.tokens';
import { AccountCommands } from '../../src/accounts';
import { MoneyMovementResult } from '../../src/accounts/commands/account-command.results';
import { DepositMoneyCommand } from '../../src/accounts/commands/deposit-money.command';
import { OpenAccountCommand } from '../../src/accounts/commands/open-account.command';
import { accountStreamId } from '../../src/accounts/domain/account.state';
import { ACCOUNT_REPOSITORY, AccountRepository } from '../../src/accounts';
import { CommandContext } from '../../src/common/commands/command-context';
import { RegisterCustomerCommand } from '../../src/customers/commands/register-customer.command';
import { ALL_CUSTOMERS } from '../../src/auth/principal';
import { loadAppConfig } from '../../src/config/app-config';
import { EVENT_STORE } from '../../src/database/database.tokens';
import { median } from '../support/bench-database';
import { StreamShape } from './stream-check';

/** What a controller's @WriteContext() gives a request without headers. */
function commandContext(): CommandContext {
  const commandId = randomUUID();
  return {
    metadata: {
      commandId,
      correlationId: commandId,
      causationId: commandId,
      actor: 'system:bench',
      occurredAt: new Date().toISOString(),
    },
    scope: ALL_CUSTOMERS,
  };
}

export interface AccountInspection extends StreamShape {
  readonly deposits: number;
  readonly balance: number;
  readonly outboxRows: number;
}

export interface LedgerlineHotStream {
  /** A new account of the bench customer: a fresh hot stream. */
  openAccount(): Promise<string>;
  deposit(accountId: string, amount: number): Promise<MoneyMovementResult>;
  /** WrongExpectedVersion conflicts the accounts' CommandExecutor met so far. */
  conflicts(): number;
  inspect(accountId: string): Promise<AccountInspection>;
  /** Median ms of the two reads every command makes before its append, on this account. */
  readCosts(accountId: string, samples: number): Promise<{ findCommandMs: number; loadMs: number }>;
  close(): Promise<void>;
}

export async function openLedgerlineHotStream(
  url: string,
  schema: string,
  poolSize: number,
  verifier: DataSource,
): Promise<LedgerlineHotStream> {
  const app: INestApplicationContext = await NestFactory.createApplicationContext(
    AppModule.forRoot(
      { url, schema, poolSize },
      { autoStart: false, readYourWritesTimeoutMs: 0 },
      {
        exchange: 'ledgerline.bench',
        relay: false,
        maxAttempts: 1,
        retryBaseMs: 1,
        retentionMs: 1,
      },
      { worker: false, creditTimeoutMs: 30_000, commandLeaseMs: 30_000 },
      // No HTTP here: the security guard is never asked.
      {
        auth: loadAppConfig({ AUTH_LOCAL_KEY_FILE: 'memory://' }).auth,
        rateLimits: loadAppConfig({}).rateLimits,
        // A fresh schema: its data keys are wrapped by a key of this process's own.
        personalData: { masterKeyFile: 'memory://' },
      },
    ),
    { logger: ['error', 'warn'] },
  );
  try {
    const bus = app.get(CommandBus);
    // Providers of feature modules that are not exported: looked up across the whole graph.
    const executor = app.get<symbol, AccountCommands>(ACCOUNT_COMMANDS, { strict: false });
    const repository = app.get<symbol, AccountRepository>(ACCOUNT_REPOSITORY, { strict: false });
    const store = app.get<symbol, EventStore>(EVENT_STORE, { strict: false });
    const customerId = randomUUID();
    await bus.execute(
      new RegisterCustomerCommand(
        customerId,
        'Bench Customer',
        'bench@example.com',
        `BENCH${randomBytes(6).toString('hex').toUpperCase()}`,
        commandContext(),
      ),
    );
    return {
      async openAccount() {
        const accountId = randomUUID();
        await bus.execute(new OpenAccountCommand(accountId, customerId, 'EUR', commandContext()));
        return accountId;
      },
      deposit: (accountId, amount) =>
        bus.execute(
          new DepositMoneyCommand(accountId, amount, 'bench deposit', 'online', commandContext()),
        ),
      conflicts: () => executor.stats.conflicts,
      async inspect(accountId) {
        const streamId = accountStreamId(accountId);
        const events = await store.readStream(streamId);
        const versions = events.map((event) => event.streamVersion);
        const { state } = await repository.load(streamId);
        const [{ rows }] = await verifier.query<{ rows: number }[]>(
          'SELECT count(*)::int AS rows FROM es_outbox WHERE stream_id = $1',
          [streamId],
        );
        return {
          events: events.length,
          minVersion: versions.length ? Math.min(...versions) : 0,
          maxVersion: versions.length ? Math.max(...versions) : 0,
          distinctVersions: new Set(versions).size,
          deposits: events.filter((event) => event.type === 'MoneyDeposited').length,
          balance: state.status === 'NONE' ? 0 : state.balance,
          outboxRows: rows,
        };
      },
      async readCosts(accountId, samples) {
        const streamId = accountStreamId(accountId);
        const find: number[] = [];
        const load: number[] = [];
        for (let i = 0; i < samples; i++) {
          let started = performance.now();
          await store.findCommandResult(randomUUID());
          find.push(performance.now() - started);
          started = performance.now();
          await repository.load(streamId);
          load.push(performance.now() - started);
        }
        return { findCommandMs: median(find), loadMs: median(load) };
      },
      close: () => app.close(),
    };
  } catch (error) {
    await app.close();
    throw error;
  }
}
