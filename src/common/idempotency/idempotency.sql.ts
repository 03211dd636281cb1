import { instanceAliveSql } from '@ledgerline/event-sourcing/postgres';

/**
 * Claims a key for a new execution. Succeeds (one row back) when the key is new, when its
 * record is older than the retention period (a reused key after expiry is a new request),
 * or when an earlier execution of the SAME request no longer runs: its lease ran out, its
 * instance is dead (its liveness lock is gone: a kill -9 is noticed at once), or it was this
 * instance's and is not running here any more ($6). Taking over a live execution by mistake
 * is still safe: both carry the same command id, and the event store decides it once.
 * $1 key, $2 fingerprint, $3 lease ms, $4 retention ms, $5 this instance's id,
 * $6 whether an execution of this key by this instance may be taken over (none runs here),
 * $7 the new claim's token: only the claim holding it may record the outcome.
 */
export const CLAIM_KEY_SQL = `
INSERT INTO http_idempotency_keys AS k
       (idempotency_key, fingerprint, state, locked_until, owner_instance, claim_token)
VALUES ($1, $2, 'in_flight', now() + $3 * interval '1 millisecond', $5, $7)
ON CONFLICT (idempotency_key) DO UPDATE
   SET fingerprint = EXCLUDED.fingerprint, state = 'in_flight', response_status = NULL,
       response_body = NULL, response_headers = NULL, locked_until = EXCLUDED.locked_until, created_at = now(),
       owner_instance = EXCLUDED.owner_instance, claim_token = EXCLUDED.claim_token
 WHERE k.created_at < now() - $4 * interval '1 millisecond'
    OR (k.state = 'in_flight' AND k.fingerprint = EXCLUDED.fingerprint
        AND (k.locked_until < now()
             OR (k.owner_instance = $5 AND $6::boolean)
             OR (k.owner_instance <> $5 AND NOT ${instanceAliveSql('k.owner_instance')})))
RETURNING idempotency_key`;

/** The body as the exact text stored (json keeps it; see the exact-replay migration). */
export const FIND_KEY_SQL = `
SELECT fingerprint, state, response_status, response_body::text AS response_text, response_headers
  FROM http_idempotency_keys WHERE idempotency_key = $1`;

/**
 * Records the outcome of the claim holding token $2: status $3, the body's exact text $4 and
 * the headers a replay repeats $5. A claim that was taken over since changes nothing (the
 * newer execution records its own).
 */
export const COMPLETE_KEY_SQL = `
UPDATE http_idempotency_keys
   SET state = 'completed', response_status = $3, response_body = $4::json, response_headers = $5::jsonb
 WHERE idempotency_key = $1 AND claim_token = $2 AND state = 'in_flight'`;

/** Frees a key whose execution produced no replayable outcome (validation error, 5xx). */
export const RELEASE_KEY_SQL = `
DELETE FROM http_idempotency_keys WHERE idempotency_key = $1 AND claim_token = $2 AND state = 'in_flight'`;

/**
 * Deletes up to $2 records older than $1 ms, oldest first, and says how many: one short
 * statement per batch, so a large backlog never holds many row locks or a long transaction.
 */
export const PURGE_EXPIRED_SQL = `
WITH expired AS (
  SELECT idempotency_key FROM http_idempotency_keys
   WHERE created_at < now() - $1 * interval '1 millisecond'
   ORDER BY created_at LIMIT $2
   FOR UPDATE SKIP LOCKED
), deleted AS (
  DELETE FROM http_idempotency_keys k USING expired e
   WHERE k.idempotency_key = e.idempotency_key
  RETURNING 1
)
SELECT count(*)::int AS deleted FROM deleted`;
