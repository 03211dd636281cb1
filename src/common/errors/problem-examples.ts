import { ERROR_CATALOGUE, ErrorCode } from './error-catalogue';
import { ProblemDetails, problemType } from './problem-details';

const ACCOUNT = '5f0c2b8e-1d4a-4c3b-9e2f-7a6b5c4d3e21';
const CUSTOMER = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const TRANSFER = '7a2d3e4f-5b6c-4d7e-8f90-1a2b3c4d5e6f';
const HOLD = '8b3e4f50-6c7d-4e8f-9a01-2b3c4d5e6f70';

/**
 * A typical `detail` of every code, as the API words it, for the OpenAPI examples. A Record
 * over ErrorCode: a new code does not compile until it has its example.
 */
const EXAMPLE_DETAILS: Record<ErrorCode, string> = {
  VALIDATION_FAILED: '1 field(s) are invalid',
  MALFORMED_JSON: 'the request body could not be parsed as JSON',
  INVALID_ID: 'the id in the path must be a UUID',
  INVALID_IF_MATCH: 'If-Match must be one quoted version as sent in ETag, e.g. "3"',
  INVALID_IDEMPOTENCY_KEY: 'Idempotency-Key must be 1-255 visible ASCII characters',
  INVALID_CORRELATION_ID: 'X-Correlation-Id must be 1-128 characters of A-Z a-z 0-9 . _ : -',
  INVALID_AMOUNT:
    'amount must be a positive whole number of minor units, at most the documented maximum',
  INVALID_OVERDRAFT_LIMIT:
    'the overdraft limit must be a whole number of minor units from 0 to the maximum amount',
  INVALID_MIN_POSITION:
    'X-Min-Position must be a position from a command response (a positive integer)',
  MIN_POSITION_AHEAD_OF_LOG:
    'X-Min-Position 99999999 is beyond the last position of the event log; send a position from a command response',
  INVALID_CURSOR: 'cursor must be a nextCursor value returned by this endpoint',
  UNAUTHENTICATED: 'this route needs an Authorization: Bearer token',
  FORBIDDEN: 'the token holds none of the roles this route allows',
  NOT_FOUND: 'no route matches this method and path',
  ACCOUNT_NOT_FOUND: `account ${ACCOUNT} does not exist`,
  ACCOUNT_NOT_YET_OPENED: `account ${ACCOUNT} was opened at 2026-11-02T09:15:00.000Z; it did not exist yet at 2026-11-01T00:00:00.000Z`,
  ACCOUNT_EVENT_NOT_FOUND: `account ${ACCOUNT} has no event with version 42`,
  CUSTOMER_NOT_FOUND: `customer ${CUSTOMER} does not exist or is unregistered`,
  PROJECTION_NOT_FOUND: 'no projection is called account-summary',
  DEAD_LETTER_NOT_FOUND: 'no dead-lettered outbox message has id 42',
  PROCESS_COMMAND_NOT_FOUND: `no parked process command has id ${TRANSFER}`,
  METHOD_NOT_ALLOWED: 'Method not allowed',
  VERSION_CONFLICT: `stream account-${ACCOUNT} is at version 4, not the expected 3`,
  ACCOUNT_CLOSED: `account ${ACCOUNT} is closed`,
  ACCOUNT_ALREADY_EXISTS: `account ${ACCOUNT} already exists`,
  CUSTOMER_ALREADY_EXISTS: `customer ${CUSTOMER} already exists`,
  ALREADY_EXISTS: `a resource with id ${ACCOUNT} already exists`,
  DOCUMENT_ALREADY_REGISTERED: 'a customer with this document number is already registered',
  CUSTOMER_HAS_OPEN_ACCOUNTS: `customer ${CUSTOMER} still has 2 open account(s); close them first`,
  PERSONAL_DATA_ERASED: `the personal data of customer ${CUSTOMER} was erased`,
  REBUILD_IN_PROGRESS: 'account-summaries is already being rebuilt',
  PROJECTION_NOT_REBUILDABLE: 'transfer-process has side effects and cannot be rebuilt',
  BALANCE_NOT_ZERO: `account ${ACCOUNT} still holds 1250; only an empty account can be closed`,
  TRANSFER_IN_FLIGHT: `account ${ACCOUNT} has 1 outgoing transfer(s) in progress; close it later`,
  IDEMPOTENCY_KEY_IN_USE:
    'a request with this Idempotency-Key is still being processed; retry later',
  PAYLOAD_TOO_LARGE: 'the request body exceeds the size limit',
  UNSUPPORTED_MEDIA_TYPE: 'send the request body as application/json',
  RATE_LIMITED: 'more than 600 requests of this kind in 60 s; retry after 12 s',
  INSUFFICIENT_FUNDS: `account ${ACCOUNT} has 100 available, cannot withdraw 250`,
  HOLD_NOT_FOUND: `account ${ACCOUNT} has no hold ${HOLD}`,
  HOLD_NOT_OPEN: `hold ${HOLD} is captured; only an open hold can be captured or released`,
  HOLD_ALREADY_EXISTS: `hold ${HOLD} already exists with another amount or reason; use a new id`,
  ACCOUNT_HAS_OPEN_HOLDS: `account ${ACCOUNT} has 1 open hold(s); capture or release them first`,
  CAPTURE_EXCEEDS_HOLD: `hold ${HOLD} reserves 4999; cannot capture 6000`,
  INVALID_HOLD_EXPIRY:
    'expiresAt must be in the future and at most 31 days away; got 2020-01-01T00:00:00.000Z',
  BALANCE_LIMIT_EXCEEDED: `a deposit to ${ACCOUNT} would exceed the largest balance an account may hold`,
  IDEMPOTENCY_KEY_REUSED: 'this Idempotency-Key was already used with a different request',
  CURRENCY_MISMATCH: `account ${ACCOUNT} holds EUR, not USD`,
  TRANSFER_CREDIT_CANCELLED: `the credit of transfer ${TRANSFER} to ${ACCOUNT} was cancelled`,
  TRANSFER_ALREADY_CREDITED: `transfer ${TRANSFER} was already credited to ${ACCOUNT}`,
  TRANSFER_NOT_FOUND: `transfer ${TRANSFER} does not exist`,
  TRANSFER_NOT_AWAITING_APPROVAL: `transfer ${TRANSFER} is REJECTED, not awaiting approval`,
  SELF_APPROVAL_FORBIDDEN: `transfer ${TRANSFER} was initiated by the caller; another person must approve it`,
  INTERNAL_ERROR: 'an unexpected error occurred; it has been logged',
  READ_MODEL_BEHIND:
    'the account-summaries read model has not reached position 1042 yet; retry shortly',
  SERVICE_UNAVAILABLE: 'this instance is shutting down',
  DATABASE_UNAVAILABLE:
    'the database is unreachable or restarting; retry shortly with the same Idempotency-Key',
  COMMIT_OUTCOME_UNKNOWN:
    'the connection broke during COMMIT: read the resource to see whether the write was applied',
  AUTH_ISSUER_UNAVAILABLE: "the token issuer's keys cannot be fetched now",
  DATABASE_TIMEOUT:
    'a database statement or lock wait took too long; retry shortly with the same Idempotency-Key',
};

/** Per code, what the example adds beyond the standard members. */
const EXAMPLE_EXTENSIONS: Partial<Record<ErrorCode, Record<string, unknown>>> = {
  VALIDATION_FAILED: { errors: [{ field: 'amount', messages: ['amount must be an integer'] }] },
};

/** A complete problem document of `code`, as the API would answer it at `instance`. */
export function problemExample(code: ErrorCode, instance: string): ProblemDetails {
  const { status, title } = ERROR_CATALOGUE[code];
  return {
    type: problemType(code),
    title,
    status,
    code,
    detail: EXAMPLE_DETAILS[code],
    instance,
    ...EXAMPLE_EXTENSIONS[code],
  };
}
