/** The SQLSTATE, constraint and detail of a PostgreSQL error, wherever TypeORM wrapped it. */
export function pgErrorDetails(error: unknown): {
  code?: string;
  constraint?: string;
  detail?: string;
} {
  if (typeof error !== 'object' || error === null) return {};
  const driverError: unknown = 'driverError' in error ? error.driverError : error;
  if (typeof driverError !== 'object' || driverError === null) return {};
  const code =
    'code' in driverError && typeof driverError.code === 'string' ? driverError.code : undefined;
  const constraint =
    'constraint' in driverError && typeof driverError.constraint === 'string'
      ? driverError.constraint
      : undefined;
  const detail =
    'detail' in driverError && typeof driverError.detail === 'string'
      ? driverError.detail
      : undefined;
  return { code, constraint, detail };
}

export const UNIQUE_VIOLATION = '23505';

/**
 * SQLSTATEs of a lost or refused session: class 08 (connection exception), and the server
 * shutting down, crashing, starting up or out of connection slots.
 */
const CONNECTION_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket errors from the driver, raised before any SQLSTATE exists. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // A database host's name that does not resolve while its container restarts.
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** node-postgres and pg-pool say these in plain messages, with no code. */
const DRIVER_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  // Not "Client was closed and is not queryable": that is a client used after end(), a bug.
  'has encountered a connection error and is not queryable',
];

/**
 * Whether `error` means the database could not be reached or the session was lost (restart,
 * crash, terminated backend, refused or timed-out connection): a transient condition, not a
 * decision. Statement and lock timeouts are {@link isDatabaseTimeout} instead.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code } = pgErrorDetails(error);
  if (code !== undefined && (code.startsWith('08') || CONNECTION_STATES.has(code))) return true;
  if (code !== undefined && SOCKET_CODES.has(code)) return true;
  if (!(error instanceof Error)) return false;
  // TypeORM releases a query runner by itself when its session errors; the next statement of
  // the same transaction then meets this instead of the connection error.
  if (error.name === 'QueryRunnerAlreadyReleasedError') return true;
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  const cause: unknown = error.cause;
  if (cause !== undefined && cause !== error && isDatabaseUnavailable(cause)) return true;
  return DRIVER_MESSAGES.some((message) => error.message.includes(message));
}

/** Whether `error` is PostgreSQL's statement timeout (57014) or lock timeout (55P03). */
export function isDatabaseTimeout(error: unknown): boolean {
  const { code } = pgErrorDetails(error);
  return code === '57014' || code === '55P03';
}
