/**
 * Claims a key for a new execution. Succeeds (one row back) when the key is new, when its
 * record is older than the retention period (a reused key after expiry is a new request),
 * or when an earlier execution of the SAME request died holding the lease.
 * $1 key, $2 fingerprint, $3 lease ms, $4 retention ms.
 */
export const CLAIM_KEY_SQL = `
INSERT INTO http_idempotency_keys AS k (idempotency_key, fingerprint, state, locked_until)
VALUES ($1, $2, 'in_flight', now() + $3 * interval '1 millisecond')
ON CONFLICT (idempotency_key) DO UPDATE
   SET fingerprint = EXCLUDED.fingerprint, state = 'in_flight', response_status = NULL,
       response_body = NULL, locked_until = EXCLUDED.locked_until, created_at = now()
 WHERE k.created_at < now() - $4 * interval '1 millisecond'
    OR (k.state = 'in_flight' AND k.locked_until < now() AND k.fingerprint = EXCLUDED.fingerprint)
RETURNING idempotency_key`;

export const FIND_KEY_SQL = `
SELECT fingerprint, state, response_status, response_body
  FROM http_idempotency_keys WHERE idempotency_key = $1`;

export const COMPLETE_KEY_SQL = `
UPDATE http_idempotency_keys SET state = 'completed', response_status = $3, response_body = $4::jsonb
 WHERE idempotency_key = $1 AND fingerprint = $2`;

/** Frees a key whose execution produced no replayable outcome (validation error, 5xx). */
export const RELEASE_KEY_SQL = `
DELETE FROM http_idempotency_keys WHERE idempotency_key = $1 AND fingerprint = $2 AND state = 'in_flight'`;

export const PURGE_EXPIRED_SQL = `
DELETE FROM http_idempotency_keys WHERE created_at < now() - $1 * interval '1 millisecond'`;
