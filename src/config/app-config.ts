import { AuthSettings, parseAuthSettings } from '../auth/auth-settings';
import {
  PersonalDataSettings,
  personalDataSettings,
} from '../personal-data/personal-data-settings';
import { RateLimitSettings } from '../auth/rate-limit-settings';
import { parseUrlSetting } from './url-setting';
import { MAX_AMOUNT } from '../shared-kernel/money';
import { parseCorsOrigins } from '../common/http/cors-options';
import { HttpServerTimeouts, httpServerTimeouts } from '../common/http/server-timeouts';
import type { AppendRoundTrips } from '@ledgerline/event-sourcing/postgres';
import {
  DATABASE_TIMEOUT_DEFAULTS,
  DatabaseTimeouts,
  TABLE_STATISTICS_DEFAULTS,
  TableStatisticsMode,
  TableStatisticsSettings,
} from '../database/database-settings';
import { LoggingSettings, parseLoggingSettings } from '../observability/logging/log-settings';

/** Everything the app reads from its environment, parsed and checked once at start-up. */
export interface AppConfig {
  readonly port: number;
  /** Unset: the embedded database is started (see embedded-postgres.ts). */
  readonly databaseUrl?: string;
  /** Schema for all tables (tests use one per file); default `public`. */
  readonly databaseSchema: string;
  readonly databasePoolSize: number;
  /** statement_timeout (and idle-in-transaction timeout), lock_timeout, pool wait. */
  readonly databaseTimeouts: DatabaseTimeouts;
  /** How long start-up waits for an unreachable database before it gives up. */
  readonly databaseStartupWaitMs: number;
  /** `application_name` of this instance's sessions, to tell instances apart on the server. */
  readonly databaseApplicationName: string;
  /** Round trips of a group commit's transaction: 2 (values in the text) or 4 (bind parameters). */
  readonly databaseAppendRoundTrips: AppendRoundTrips;
  /** DATABASE_ANALYZE and DATABASE_ANALYZE_INTERVAL_MS: statistics kept where autovacuum is off. */
  readonly databaseTableStatistics: TableStatisticsSettings;
  readonly embeddedDataDir: string;
  readonly bodyLimit: string;
  /** Longest time a client may take to send a whole request, and its headers. */
  readonly httpTimeouts: HttpServerTimeouts;
  /** How long requests running at SIGTERM or SIGINT may take before their connections are cut. */
  readonly shutdownGraceMs: number;
  readonly swagger: boolean;
  /** Origins allowed cross-origin requests (CORS_ORIGINS); empty: CORS stays off. */
  readonly corsOrigins: readonly string[];
  /** LOG_LEVEL and LOG_FORMAT (LOG_LEVELS, the older Nest list, is still understood). */
  readonly logging: LoggingSettings;
  /** Prometheus metrics: GET /metrics, the HTTP histogram and the command and append observers. */
  readonly metrics: boolean;
  /** Run the projection runners in this process (off for one-off tools). */
  readonly projectionsAutoStart: boolean;
  /** Longest wait of a read sent with X-Min-Position. */
  readonly readYourWritesTimeoutMs: number;
  /** RabbitMQ; unset: integration messages are delivered in process. */
  readonly amqpUrl?: string;
  readonly amqpExchange: string;
  /** Run the outbox relay in this process. */
  readonly outboxRelay: boolean;
  readonly outboxMaxAttempts: number;
  readonly outboxRetryBaseMs: number;
  readonly outboxPublishWindow: number;
  readonly outboxRetentionHours: number;
  readonly inboxRetentionHours: number;
  /** Run the process-manager worker (transfer commands and deadlines) in this process. */
  readonly processManagers: boolean;
  readonly transferCreditTimeoutMs: number;
  /** Transfers above this many minor units wait for a second teller's approval. */
  readonly approvalThreshold: number;
  /** How long a transfer may await approval before it expires. */
  readonly approvalTimeoutMs: number;
  readonly processCommandLeaseMs: number;
  /** Failed sends of a process command before it is parked for an operator. */
  readonly processCommandMaxAttempts: number;
  /** Bearer-token verification: an OIDC issuer's JWKS, or the local development issuer. */
  readonly auth: AuthSettings;
  /** Where the master key of the personal-data keys comes from (PII_MASTER_KEY…). */
  readonly personalData: PersonalDataSettings;
  readonly rateLimits: RateLimitSettings;
}

function parseAppendRoundTrips(raw: string | undefined): AppendRoundTrips {
  const value = raw?.trim() || '2';
  if (value === '2' || value === '4') return Number(value) as AppendRoundTrips;
  throw new Error(`DATABASE_APPEND_ROUND_TRIPS must be 2 or 4, got "${raw}"`);
}

function parseAnalyzeMode(raw: string | undefined): TableStatisticsMode {
  const value = raw?.trim() || TABLE_STATISTICS_DEFAULTS.mode;
  if (value === 'auto' || value === 'on' || value === 'off') return value;
  throw new Error(`DATABASE_ANALYZE must be auto, on or off, got "${raw}"`);
}

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const schema = env.DATABASE_SCHEMA ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`DATABASE_SCHEMA "${schema}" is not a plain identifier`);
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: schema,
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
    databaseTimeouts: {
      statementMs: integer(
        env,
        'DATABASE_STATEMENT_TIMEOUT_MS',
        DATABASE_TIMEOUT_DEFAULTS.statementMs,
        100,
        600_000,
      ),
      lockMs: integer(
        env,
        'DATABASE_LOCK_TIMEOUT_MS',
        DATABASE_TIMEOUT_DEFAULTS.lockMs,
        10,
        600_000,
      ),
      connectMs: integer(
        env,
        'DATABASE_CONNECT_TIMEOUT_MS',
        DATABASE_TIMEOUT_DEFAULTS.connectMs,
        100,
        600_000,
      ),
    },
    databaseStartupWaitMs: integer(env, 'DATABASE_STARTUP_WAIT_MS', 60_000, 0, 3_600_000),
    databaseApplicationName: parseApplicationName(env.DATABASE_APPLICATION_NAME ?? 'ledgerline'),
    databaseAppendRoundTrips: parseAppendRoundTrips(env.DATABASE_APPEND_ROUND_TRIPS),
    databaseTableStatistics: {
      mode: parseAnalyzeMode(env.DATABASE_ANALYZE),
      intervalMs: integer(
        env,
        'DATABASE_ANALYZE_INTERVAL_MS',
        TABLE_STATISTICS_DEFAULTS.intervalMs,
        1_000,
        3_600_000,
      ),
    },
    embeddedDataDir: env.EMBEDDED_DATA_DIR ?? '.data/pglite',
    bodyLimit: env.BODY_LIMIT ?? '16kb',
    httpTimeouts: httpServerTimeouts(
      integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 1_000, 3_600_000),
      integer(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 1_000, 3_600_000),
    ),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 3_600_000),
    swagger: env.SWAGGER !== 'off',
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS),
    logging: parseLoggingSettings(env),
    metrics: env.METRICS !== 'off',
    projectionsAutoStart: env.PROJECTIONS !== 'off',
    readYourWritesTimeoutMs: integer(env, 'READ_YOUR_WRITES_TIMEOUT_MS', 5_000, 0, 60_000),
    amqpUrl: parseUrlSetting('AMQP_URL', env.AMQP_URL, ['amqp', 'amqps']),
    amqpExchange: parseExchange(env.AMQP_EXCHANGE ?? 'ledgerline.public'),
    outboxRelay: env.OUTBOX_RELAY !== 'off',
    outboxMaxAttempts: integer(env, 'OUTBOX_MAX_ATTEMPTS', 10, 1, 1_000),
    outboxRetryBaseMs: integer(env, 'OUTBOX_RETRY_BASE_MS', 1_000, 1, 600_000),
    outboxPublishWindow: integer(env, 'OUTBOX_PUBLISH_WINDOW', 1, 1, 1_000),
    outboxRetentionHours: integer(env, 'OUTBOX_RETENTION_HOURS', 168, 1, 87_600),
    inboxRetentionHours: integer(env, 'INBOX_RETENTION_HOURS', 720, 1, 87_600),
    processManagers: env.PROCESS_MANAGERS !== 'off',
    transferCreditTimeoutMs: integer(env, 'TRANSFER_CREDIT_TIMEOUT_MS', 30_000, 100, 86_400_000),
    approvalThreshold: integer(env, 'APPROVAL_THRESHOLD', 1_000_000, 0, MAX_AMOUNT),
    // Up to 30 days: an approval deadline is a stored row, not a timer, so long ones are cheap.
    approvalTimeoutMs: integer(env, 'APPROVAL_TIMEOUT_MS', 86_400_000, 100, 2_592_000_000),
    processCommandLeaseMs: integer(env, 'PROCESS_COMMAND_LEASE_MS', 30_000, 100, 3_600_000),
    processCommandMaxAttempts: integer(env, 'PROCESS_COMMAND_MAX_ATTEMPTS', 10, 1, 1_000),
    auth: parseAuthSettings(env, env.EMBEDDED_DATA_DIR ?? '.data/pglite'),
    personalData: personalDataSettings(env, env.EMBEDDED_DATA_DIR ?? '.data/pglite'),
    rateLimits: {
      requestsPerMinute: integer(env, 'RATE_LIMIT_REQUESTS_PER_MINUTE', 600, 1, 10_000_000),
      writesPerMinute: integer(env, 'RATE_LIMIT_WRITES_PER_MINUTE', 120, 1, 10_000_000),
      redisUrl: parseUrlSetting('REDIS_URL', env.REDIS_URL, ['redis', 'rediss']),
    },
  };
}

function parseExchange(raw: string): string {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(raw))
    throw new Error(`AMQP_EXCHANGE "${raw}" must be 1-200 characters of A-Z a-z 0-9 . _ -`);
  return raw;
}

function parseApplicationName(raw: string): string {
  // The coordinator and instance sessions append a suffix; PostgreSQL keeps 63 bytes.
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(raw))
    throw new Error(
      `DATABASE_APPLICATION_NAME "${raw}" must be 1-40 characters of A-Z a-z 0-9 . _ -`,
    );
  return raw;
}
