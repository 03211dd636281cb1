/** The state of one process, locked for the rest of the transaction. */
export const LOAD_PROCESS_STATE_SQL = `
SELECT state FROM es_process_state WHERE manager = $1 AND process_id = $2 FOR UPDATE`;

/**
 * $1 manager, $2 process, $3 state, $4 the cause's correlation id (null for a deadline or a
 * rejection): the first one seen is kept and returned, as the process's correlation id.
 */
export const SAVE_PROCESS_STATE_SQL = `
INSERT INTO es_process_state AS s (manager, process_id, state, correlation_id)
VALUES ($1, $2, $3::jsonb, $4)
ON CONFLICT (manager, process_id) DO UPDATE
   SET state = EXCLUDED.state, updated_at = now(),
       correlation_id = COALESCE(s.correlation_id, EXCLUDED.correlation_id)
RETURNING correlation_id`;

/**
 * Stores decided commands; an id seen before (a decision made again) is kept as it was.
 * $1 jsonb array of {id, manager, processId, causationId, correlationId, traceparent?, type, data}.
 */
export const INSERT_PROCESS_COMMANDS_SQL = `
INSERT INTO es_process_commands (id, manager, process_id, causation_id, correlation_id, traceparent,
                                 type, data)
SELECT (c.value->>'id')::uuid, c.value->>'manager', c.value->>'processId', c.value->>'causationId',
       c.value->>'correlationId', c.value->>'traceparent', c.value->>'type', c.value->'data'
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS c(value, ordinality)
 ORDER BY c.ordinality
ON CONFLICT (id) DO NOTHING`;

/**
 * $1 manager, $2 process, $3 key, $4 due-at. Asking again for another time moves a deadline
 * (and re-arms it); asking again for the time that already fired changes nothing.
 */
export const SCHEDULE_DEADLINE_SQL = `
INSERT INTO es_process_deadlines (manager, process_id, key, due_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (manager, process_id, key)
DO UPDATE SET due_at = EXCLUDED.due_at, status = 'pending', fired_at = NULL
 WHERE es_process_deadlines.status <> 'fired'
    OR es_process_deadlines.due_at IS DISTINCT FROM EXCLUDED.due_at`;

export const CANCEL_DEADLINES_SQL = `
UPDATE es_process_deadlines SET status = 'cancelled'
 WHERE manager = $1 AND process_id = $2 AND key = ANY($3::text[]) AND status = 'pending'`;

/**
 * Claims up to $1 pending, due commands of the managers $3 for $2 ms (FOR UPDATE SKIP LOCKED:
 * workers never share a command).
 */
export const CLAIM_PROCESS_COMMANDS_SQL = `
UPDATE es_process_commands c
   SET claimed_until = now() + make_interval(secs => $2::double precision / 1000),
       claim_token = gen_random_uuid()
 WHERE c.id IN (SELECT id FROM es_process_commands
                 WHERE status = 'pending' AND available_at <= now() AND manager = ANY($3::text[])
                   AND (claimed_until IS NULL OR claimed_until < now())
                 ORDER BY seq
                 LIMIT $1
                 FOR UPDATE SKIP LOCKED)
RETURNING c.id, c.manager, c.process_id, c.causation_id, c.correlation_id, c.traceparent, c.type,
          c.data, c.attempts, c.seq::text AS seq, c.claim_token`;

/** A parked command handled after all (a stale send that outlived its claim) is done too. */
export const MARK_PROCESS_COMMAND_DONE_SQL = `
UPDATE es_process_commands
   SET status = 'done', handled_at = now(), claimed_until = NULL, outcome = 'handled'
 WHERE id = $1 AND status IN ('pending', 'parked')`;

/**
 * The command, locked, if still pending and still held by claim $2: a refusal is handled once,
 * and only by the send that holds the claim (a stale send's refusal is not the last word).
 */
export const LOCK_PENDING_PROCESS_COMMAND_SQL = `
SELECT id FROM es_process_commands
 WHERE id = $1 AND status = 'pending' AND claim_token = $2
   FOR UPDATE`;

export const MARK_PROCESS_COMMAND_REJECTED_SQL = `
UPDATE es_process_commands
   SET status = 'rejected', handled_at = now(), claimed_until = NULL, outcome = $2
 WHERE id = $1`;

export const RETRY_PROCESS_COMMAND_SQL = `
UPDATE es_process_commands
   SET attempts = attempts + 1, outcome = $2, last_error = $2, claimed_until = NULL,
       available_at = now() + make_interval(secs => $3::double precision / 1000),
       updated_at = now()
 WHERE id = $1 AND status = 'pending' AND claim_token = $4`;

/**
 * $1 id, $2 error, $3 claim: its last allowed attempt failed, so it waits for an operator
 * (never claimed again) instead of being retried forever.
 */
export const PARK_PROCESS_COMMAND_SQL = `
UPDATE es_process_commands
   SET status = 'parked', attempts = attempts + 1, outcome = $2, last_error = $2,
       claimed_until = NULL, updated_at = now()
 WHERE id = $1 AND status = 'pending' AND claim_token = $3`;

/** An operator's retry: pending and due at once, with a fresh budget of attempts. */
export const UNPARK_PROCESS_COMMAND_SQL = `
UPDATE es_process_commands
   SET status = 'pending', attempts = 0, available_at = now(), claimed_until = NULL,
       claim_token = NULL, updated_at = now()
 WHERE id = $1 AND status = 'parked'
RETURNING id`;

/** $1 statuses, $2 limit: commands not settled yet, oldest first. */
export const LIST_PROCESS_COMMANDS_SQL = `
SELECT id, manager, process_id, causation_id, correlation_id, type, data, status, attempts,
       last_error, created_at, COALESCE(updated_at, created_at) AS updated_at, available_at
  FROM es_process_commands
 WHERE status = ANY($1::text[])
 ORDER BY seq
 LIMIT $2`;

/** How many commands wait to be sent, and how many wait for an operator (partial indexes). */
export const COUNT_UNSETTLED_PROCESS_COMMANDS_SQL = `
SELECT (SELECT count(*) FROM es_process_commands WHERE status = 'pending')::int AS pending,
       (SELECT count(*) FROM es_process_commands WHERE status = 'parked')::int AS parked`;

/** Due deadlines of one manager, locked so that each fires once. */
export const CLAIM_DUE_DEADLINES_SQL = `
SELECT process_id, key, due_at FROM es_process_deadlines
 WHERE manager = $1 AND status = 'pending' AND due_at <= $2
 ORDER BY due_at
 LIMIT $3
 FOR UPDATE SKIP LOCKED`;

export const MARK_DEADLINE_FIRED_SQL = `
UPDATE es_process_deadlines SET status = 'fired', fired_at = now()
 WHERE manager = $1 AND process_id = $2 AND key = $3`;

/** $1 due ones only, $2 limit: deadlines that have not fired, earliest first. */
export const LIST_PENDING_DEADLINES_SQL = `
SELECT manager, process_id, key, due_at, due_at <= now() AS due
  FROM es_process_deadlines
 WHERE status = 'pending' AND (NOT $1::boolean OR due_at <= now())
 ORDER BY due_at
 LIMIT $2`;

/** A deadline whose handler failed is tried again a minute later. */
export const POSTPONE_DEADLINE_SQL = `
UPDATE es_process_deadlines SET due_at = now() + interval '1 minute'
 WHERE manager = $1 AND process_id = $2 AND key = $3`;
