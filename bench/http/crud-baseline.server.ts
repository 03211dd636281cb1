/**
 * The "CRUD baseline": the conventional design a bank's developer compares Ledgerline with, a
 * balance row updated under a row lock. NestFactory.create on the adapter the app uses
 * (@nestjs/platform-express, or Fastify with BENCH_HTTP_ADAPTER=fastify), the adapter's default
 * JSON body parser, a global ValidationPipe with
 * the options the app gives its own (unknown fields rejected, nothing coerced), class-validator
 * DTOs with the constraints of the app's deposit body, and a pg Pool. No helmet, no
 * authentication (requests carry the app's Authorization header; it is ignored), no outbox
 * relay (the outbox rows stay pending), no logging.
 *
 *   POST /accounts                 {id, currency}: opens an account (balance 0, version 0), so
 *                                  the benchmark can use the app's account ids;
 *   POST /accounts/:id/deposits    {amount, reference?, channel?}, the app's deposit body: ONE
 *                                  transaction: SELECT … FOR UPDATE the account row, UPDATE its
 *                                  balance and version, INSERT a ledger entry (its reference is
 *                                  unique), INSERT an outbox row (the app's integration message
 *                                  for a deposit, same shape), COMMIT; answers 201 {version, balance}.
 * Plain parameterised queries, one round trip each (BEGIN and COMMIT included): six per deposit.
 * Errors: 400 for an invalid body or id, 404 for an unknown account, 409 for a reference or an
 * account id used before, 422 for a balance beyond Number.MAX_SAFE_INTEGER.
 *
 * Run by bench/http-deposits.bench.ts as a child process (dist/bench/http/crud-baseline.server.js):
 *   DATABASE_URL     postgres://… (required)
 *   DATABASE_SCHEMA  an existing schema of its own; its tables are created here (required)
 *   DATABASE_POOL_SIZE  pg Pool size, as the app's pool (default 16)
 *   PORT             0 for any free port (default 0)
 *   BENCH_HTTP_ADAPTER  express (default) or fastify
 * Prints "listening on http://127.0.0.1:<port>" once it accepts requests; stops on SIGTERM.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  Body,
  ConflictException,
  Controller,
  DynamicModule,
  Inject,
  Logger,
  Module,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  UnprocessableEntityException,
  ValidationPipe,
} from '@nestjs/common';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsPositive,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
} from 'class-validator';
import { DatabaseError, Pool, PoolClient } from 'pg';
import { VALIDATION_OPTIONS } from '../../src/common/http/validation.pipe';
import { MAX_AMOUNT, MAX_BALANCE } from '../../src/shared-kernel/money';
import { createBenchApp, listenUntilStopped, loadBenchServerSettings } from './bench-server';

const POOL = Symbol('POOL');

const settings = loadBenchServerSettings(process.env);
const S = settings.schema;

/**
 * A balance row per account, an append-only ledger, and a transactional outbox, with the keys
 * and indexes such a design has: foreign keys, a unique reference (the client's idempotency
 * key), an account's entries in version order (its statement), the pending messages for a relay.
 */
const TABLES = [
  `CREATE TABLE ${S}.accounts (
     id         uuid        PRIMARY KEY,
     currency   char(3)     NOT NULL,
     balance    bigint      NOT NULL DEFAULT 0 CHECK (balance >= 0),
     version    integer     NOT NULL DEFAULT 0,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE ${S}.ledger_entries (
     id              bigserial   PRIMARY KEY,
     account_id      uuid        NOT NULL REFERENCES ${S}.accounts (id),
     account_version integer     NOT NULL,
     kind            text        NOT NULL,
     amount          bigint      NOT NULL,
     balance_after   bigint      NOT NULL,
     channel         text        NOT NULL,
     reference       text,
     created_at      timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT ledger_entries_reference_key UNIQUE (reference),
     CONSTRAINT ledger_entries_account_version_key UNIQUE (account_id, account_version)
   )`,
  `CREATE TABLE ${S}.outbox (
     id              bigserial   PRIMARY KEY,
     message_id      uuid        NOT NULL UNIQUE,
     ledger_entry_id bigint      NOT NULL REFERENCES ${S}.ledger_entries (id),
     type            text        NOT NULL,
     body            jsonb       NOT NULL,
     created_at      timestamptz NOT NULL DEFAULT now(),
     published_at    timestamptz
   )`,
  `CREATE INDEX outbox_pending ON ${S}.outbox (id) WHERE published_at IS NULL`,
];

const OPEN = `INSERT INTO ${S}.accounts (id, currency) VALUES ($1, $2)`;
const LOCK = `SELECT balance, version FROM ${S}.accounts WHERE id = $1 FOR UPDATE`;
const UPDATE = `UPDATE ${S}.accounts SET balance = $2, version = $3, updated_at = now() WHERE id = $1`;
const ENTRY = `INSERT INTO ${S}.ledger_entries
  (account_id, account_version, kind, amount, balance_after, channel, reference)
  VALUES ($1, $2, 'deposit', $3, $4, $5, $6) RETURNING id::text AS id`;
const MESSAGE = `INSERT INTO ${S}.outbox (message_id, ledger_entry_id, type, body)
  VALUES ($1, $2, $3, $4)`;

const CHANNELS = ['online', 'branch', 'atm'] as const;
type Channel = (typeof CHANNELS)[number];

/** The app's deposit body and its constraints. */
class DepositDto {
  @IsInt()
  @IsPositive()
  @Max(MAX_AMOUNT)
  amount!: number;

  @IsOptional()
  @IsString()
  @MaxLength(140)
  @Matches(/^[^\p{Cc}]*$/u, { message: 'reference must not contain control characters' })
  reference?: string;

  @IsOptional()
  @IsIn(CHANNELS)
  channel?: Channel;
}

class OpenAccountDto {
  @IsUUID()
  id!: string;

  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code' })
  currency!: string;
}

const UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (error: unknown): boolean =>
  error instanceof DatabaseError && error.code === UNIQUE_VIOLATION;

@Controller('accounts')
class AccountsController {
  constructor(@Inject(POOL) private readonly pool: Pool) {}

  /** Nest answers a POST with 201 by default. */
  @Post()
  async open(
    @Body() body: OpenAccountDto,
  ): Promise<{ id: string; balance: number; version: number }> {
    try {
      await this.pool.query(OPEN, [body.id, body.currency]);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException('account exists');
      throw error;
    }
    return { id: body.id, balance: 0, version: 0 };
  }

  @Post(':id/deposits')
  async deposit(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: DepositDto,
  ): Promise<{ version: number; balance: number }> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const result = await this.depositIn(client, id, body);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollback: unknown) => {
          broken = rollback instanceof Error ? rollback : new Error(String(rollback));
        });
        if (isUniqueViolation(error)) throw new ConflictException('reference used before');
        throw error;
      }
    } finally {
      // A connection whose ROLLBACK failed is in an unknown state: the pool drops it.
      client.release(broken);
    }
  }

  private async depositIn(
    client: PoolClient,
    id: string,
    body: DepositDto,
  ): Promise<{ version: number; balance: number }> {
    // pg hands a bigint back as a string.
    const locked = await client.query<{ balance: string; version: number }>(LOCK, [id]);
    if (locked.rows.length === 0) throw new NotFoundException('no such account');
    const balance = Number(locked.rows[0].balance) + body.amount;
    if (balance > MAX_BALANCE) throw new UnprocessableEntityException('balance limit exceeded');
    const version = locked.rows[0].version + 1;
    await client.query(UPDATE, [id, balance, version]);
    const entry = await client.query<{ id: string }>(ENTRY, [
      id,
      version,
      body.amount,
      balance,
      body.channel ?? 'online',
      body.reference ?? null,
    ]);
    // The app's integration message for a deposit, same shape and about the same size.
    const messageId = randomUUID();
    const occurredAt = new Date().toISOString();
    const message = {
      id: messageId,
      type: 'accounts.money-deposited',
      schemaVersion: 1,
      occurredAt,
      data: { accountId: id, amount: body.amount, accountVersion: version, occurredAt },
    };
    await client.query(MESSAGE, [
      messageId,
      entry.rows[0].id,
      message.type,
      JSON.stringify(message),
    ]);
    return { version, balance };
  }
}

@Module({})
class CrudModule {
  static withPool(pool: Pool): DynamicModule {
    return {
      module: CrudModule,
      controllers: [AccountsController],
      providers: [{ provide: POOL, useValue: pool }],
    };
  }
}

async function bootstrap(): Promise<void> {
  const pool = new Pool({ connectionString: settings.url, max: settings.poolSize });
  for (const statement of TABLES) await pool.query(statement);
  const app = await createBenchApp(CrudModule.withPool(pool), settings.adapter);
  // The options of the app's global pipe (src/common/http/validation.pipe.ts), with Nest's
  // own 400 answer instead of the app's problem document.
  app.useGlobalPipes(new ValidationPipe(VALIDATION_OPTIONS));
  await listenUntilStopped(app, pool, settings.port);
}

bootstrap().catch((error: unknown) => {
  new Logger('crud-baseline').error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
