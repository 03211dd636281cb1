/**
 * Every error code the API returns, declared once: its HTTP status and a short title.
 * The codes are a stable contract; titles are for humans. docs/api.md, "Errors" lists them.
 */
export const ERROR_CATALOGUE = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  INVALID_ID: { status: 400, title: 'The id in the path is not a valid id' },
  INVALID_IF_MATCH: { status: 400, title: 'The If-Match header is not a quoted stream version' },
  INVALID_IDEMPOTENCY_KEY: { status: 400, title: 'The Idempotency-Key header is not valid' },
  INVALID_CORRELATION_ID: { status: 400, title: 'The X-Correlation-Id header is not valid' },
  INVALID_AMOUNT: { status: 400, title: 'The amount is not valid' },
  INVALID_OVERDRAFT_LIMIT: { status: 400, title: 'The overdraft limit is not valid' },
  INVALID_MIN_POSITION: { status: 400, title: 'The X-Min-Position header is not a position' },
  MIN_POSITION_AHEAD_OF_LOG: {
    status: 400,
    title: 'The X-Min-Position header names a position the event log has not reached',
  },
  INVALID_CURSOR: { status: 400, title: 'The cursor is not one this API returned' },
  UNAUTHENTICATED: {
    status: 401,
    title: 'A valid bearer token is required (see WWW-Authenticate)',
  },
  FORBIDDEN: { status: 403, title: "The caller's roles do not allow this operation" },
  NOT_FOUND: { status: 404, title: 'No such resource' },
  ACCOUNT_NOT_FOUND: { status: 404, title: 'Account not found' },
  ACCOUNT_NOT_YET_OPENED: {
    status: 404,
    title: 'The account had not been opened yet at that instant',
  },
  ACCOUNT_EVENT_NOT_FOUND: { status: 404, title: 'The account has no event with this version' },
  CUSTOMER_NOT_FOUND: { status: 404, title: 'Customer not found, or no longer registered' },
  PROJECTION_NOT_FOUND: { status: 404, title: 'No projection has this name' },
  DEAD_LETTER_NOT_FOUND: { status: 404, title: 'No dead-lettered outbox message has this id' },
  PROCESS_COMMAND_NOT_FOUND: { status: 404, title: 'No parked process command has this id' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  VERSION_CONFLICT: { status: 409, title: 'The resource changed since the version you sent' },
  ACCOUNT_CLOSED: { status: 409, title: 'The account is closed' },
  ACCOUNT_ALREADY_EXISTS: { status: 409, title: 'The account already exists' },
  CUSTOMER_ALREADY_EXISTS: { status: 409, title: 'The customer already exists' },
  // For contexts whose own codes are not (yet) here, as a generated context starts.
  ALREADY_EXISTS: { status: 409, title: 'A resource with this id already exists' },
  DOCUMENT_ALREADY_REGISTERED: {
    status: 409,
    title: 'A customer with this document number is already registered',
  },
  CUSTOMER_HAS_OPEN_ACCOUNTS: {
    status: 409,
    title: 'The customer still has open accounts; close them first',
  },
  PERSONAL_DATA_ERASED: {
    status: 410,
    title: "The customer's personal data was erased; nothing more is recorded about them",
  },
  REBUILD_IN_PROGRESS: { status: 409, title: 'The projection is already being rebuilt' },
  PROJECTION_NOT_REBUILDABLE: {
    status: 409,
    title: 'This projection has side effects and cannot be rebuilt',
  },
  BALANCE_NOT_ZERO: { status: 409, title: 'Only an account with a zero balance can be closed' },
  TRANSFER_IN_FLIGHT: {
    status: 409,
    title: 'The account has outgoing transfers in progress; close it when they have ended',
  },
  IDEMPOTENCY_KEY_IN_USE: {
    status: 409,
    title: 'A request with this Idempotency-Key is still being processed',
    retryAfterSeconds: 1,
  },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body must be application/json' },
  RATE_LIMITED: {
    status: 429,
    title: 'Too many requests from this caller; retry after the Retry-After seconds',
  },
  INSUFFICIENT_FUNDS: { status: 422, title: 'The available balance is too low' },
  BALANCE_LIMIT_EXCEEDED: {
    status: 422,
    title: 'The balance would exceed the largest balance an account may hold',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'This Idempotency-Key was used with a different request',
  },
  CURRENCY_MISMATCH: { status: 422, title: 'The account holds another currency' },
  TRANSFER_CREDIT_CANCELLED: { status: 409, title: 'The credit of this transfer was cancelled' },
  TRANSFER_ALREADY_CREDITED: { status: 409, title: 'The transfer was already credited' },
  TRANSFER_NOT_FOUND: { status: 404, title: 'Transfer not found' },
  HOLD_NOT_FOUND: { status: 404, title: 'The account has no hold with this id' },
  HOLD_NOT_OPEN: {
    status: 409,
    title: 'The hold was captured, released or has expired; only an open hold can change',
  },
  HOLD_ALREADY_EXISTS: {
    status: 409,
    title: 'Another hold (another amount or reason) already has this id',
  },
  ACCOUNT_HAS_OPEN_HOLDS: {
    status: 409,
    title: 'The account has open holds; capture or release them before closing it',
  },
  CAPTURE_EXCEEDS_HOLD: { status: 422, title: 'A capture may take at most what the hold reserved' },
  INVALID_HOLD_EXPIRY: {
    status: 422,
    title: 'A hold must expire in the future and at most 31 days ahead',
  },
  TRANSFER_NOT_AWAITING_APPROVAL: {
    status: 409,
    title: 'The transfer is not awaiting approval (not needed, or already decided or expired)',
  },
  SELF_APPROVAL_FORBIDDEN: {
    status: 403,
    title: 'The initiator of a transfer may not approve it; another teller must',
  },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
  READ_MODEL_BEHIND: {
    status: 503,
    title: 'The read model has not caught up with your write yet',
    retryAfterSeconds: 1,
  },
  SERVICE_UNAVAILABLE: { status: 503, title: 'The service is temporarily unavailable' },
  DATABASE_UNAVAILABLE: {
    status: 503,
    title: 'The database cannot be reached right now; retry with the same Idempotency-Key',
    retryAfterSeconds: 1,
  },
  COMMIT_OUTCOME_UNKNOWN: {
    status: 503,
    title:
      'The database connection broke during COMMIT; the write may or may not have been applied',
  },
  AUTH_ISSUER_UNAVAILABLE: {
    status: 503,
    title: "The token issuer's signing keys cannot be fetched right now",
    retryAfterSeconds: 5,
  },
  DATABASE_TIMEOUT: {
    status: 503,
    title: 'The database did not answer in time (statement, lock or connection timeout)',
    retryAfterSeconds: 1,
  },
} as const satisfies Record<string, { status: number; title: string; retryAfterSeconds?: number }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, code);
}
