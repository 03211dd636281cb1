import { IntegrationMessageBody } from '../../outbox/outbox-message';

/** The columns every outbox read returns, in the shape `toOutboxMessage` maps. */
const OUTBOX_COLUMNS = `o.id::text AS id, o.message_id, o.stream_id, o.stream_version, o.type, o.body,
  o.correlation_id, o.causation_id, o.traceparent, o.attempts`;

/**
 * Relays take turns at claiming (a transaction-scoped advisory lock taken just before the
 * claim statement), so each claim sees every earlier claim committed: the "equivalent" of
 * SKIP LOCKED that also keeps whole streams with one relay. Held for one short statement;
 * keyed by schema, so outboxes in different schemas of one database never wait on each other.
 */
export const CLAIM_LOCK_SQL = `SELECT pg_advisory_xact_lock(${0x4c4c4f}, hashtext(current_schema()))`;

/**
 * Row `t` may be published now: pending, due (or waiting for nothing: its `available_at` is still
 * its `created_at`) and not claimed, or its claim ran out.
 */
const publishable = (t: string): string =>
  `(${t}.status = 'pending' AND (${t}.available_at <= now() OR ${t}.available_at <= ${t}.created_at)
    AND (${t}.claimed_until IS NULL OR ${t}.claimed_until < now()))`;

/** A row that may hold its stream back: `es_outbox_blocking_idx`'s predicate, word for word. */
const MAY_HOLD_BACK = `(p.status = 'dead'
            OR (p.status = 'pending' AND (p.claimed_until IS NOT NULL OR p.available_at > p.created_at)))`;

/**
 * Claims the publishable messages under claim token $1: per stream, the unbroken run of pending,
 * due, unclaimed rows from its oldest unpublished row, oldest first, at most $2, for $3 ms.
 * A dead letter, a row waiting for its time (a backoff, a release) or another claim stops a
 * stream's run; a live claim of the caller's own (its token in the uuid[] $4) does not: a relay
 * claims its next batch while it still publishes the one before, and the new rows follow those
 * on its channel.
 * A row's `available_at` is its `created_at` unless it waits for a time; the claim clears the
 * wait, since a claimed row is held back by its claim. Such a row is always due: the row a
 * transaction begun after this one's `now()` wrote is publishable too, and it must be, since
 * it is not in `es_outbox_blocking_idx` and so could not stop its stream's later rows.
 * `blocked` reads that index once (the claimed, dead and waiting rows: a handful in a healthy
 * outbox) into a map of stream to its first blocked id, so the walk pays one lookup per row
 * whatever the planner thinks, and never a read of the whole outbox per claim. The walk goes
 * over the unpublished rows in id order and stops at $2, so its cost follows the batch, not
 * the backlog, unless the backlog's streams are all held back.
 * `picked` is MATERIALIZED: inlined, the planner may run it once per candidate row of the
 * UPDATE. It does when the statistics say the outbox has nothing pending (an ANALYZE while it
 * was drained), and a backlog of 1 500 messages then took 80 s to claim: the relay stalled
 * on its statement timeout for good.
 */
export const CLAIM_OUTBOX_SQL = `
WITH blocked AS MATERIALIZED (
  SELECT COALESCE(jsonb_object_agg(b.stream_id, b.from_id), '{}'::jsonb) AS streams
    FROM (SELECT p.stream_id, min(p.id) AS from_id
            FROM es_outbox p
           WHERE ${MAY_HOLD_BACK}
             AND NOT ${publishable('p')}
             AND NOT COALESCE(p.status = 'pending' AND p.claimed_until >= now()
                              AND p.claimed_by = ANY($4::uuid[]), false)
           GROUP BY p.stream_id) b
), picked AS MATERIALIZED (
  SELECT o.id, o.stream_id
    FROM es_outbox o, blocked
   WHERE ${publishable('o')}
     -- An earlier row of the stream that is not publishable stops the run.
     AND NOT COALESCE(o.id > (blocked.streams ->> o.stream_id)::bigint, false)
   ORDER BY o.id
   LIMIT $2
), claimed AS (
  UPDATE es_outbox o
     SET claimed_by = $1, claimed_until = now() + make_interval(secs => $3::double precision / 1000),
         available_at = o.created_at
    FROM picked
   WHERE o.id = picked.id
     -- Checked again on the row itself: it may have been settled since the CTE read it.
     AND ${publishable('o')}
  RETURNING ${OUTBOX_COLUMNS}
)
-- A picked row the UPDATE skipped (settled meanwhile, e.g. dead-lettered by a relay that
-- outlived its lease) still stops its stream: the rows claimed behind it are flagged, for the
-- caller to give back in the same transaction (RELEASE_SQL, due at once).
SELECT c.*,
       EXISTS (SELECT 1 FROM picked p
                WHERE p.stream_id = c.stream_id AND p.id < c.id::bigint
                  AND NOT EXISTS (SELECT 1 FROM claimed k WHERE k.id::bigint = p.id))
         AS behind_skipped
  FROM claimed c`;

/** Marks messages published if claim $1 still holds them; $2 bigint[] of ids. */
export const MARK_PUBLISHED_SQL = `
UPDATE es_outbox
   SET status = 'published', published_at = now(), claimed_by = NULL, claimed_until = NULL,
       last_error = NULL
 WHERE id = ANY($2::bigint[]) AND claimed_by = $1 AND status = 'pending'
RETURNING id`;

/** One failed attempt at message $2 under claim $1: error $3, due in $4 ms, dead at $5 attempts. */
export const MARK_FAILED_SQL = `
UPDATE es_outbox
   SET attempts = attempts + 1, last_error = $3,
       status = CASE WHEN attempts + 1 >= $5 THEN 'dead' ELSE 'pending' END,
       available_at = now() + make_interval(secs => $4::double precision / 1000),
       claimed_by = NULL, claimed_until = NULL
 WHERE id = $2 AND claimed_by = $1 AND status = 'pending'`;

/** Gives messages $2 of claim $1 back, due in $3 ms, without counting an attempt. */
export const RELEASE_SQL = `
UPDATE es_outbox
   SET claimed_by = NULL, claimed_until = NULL,
       available_at = now() + make_interval(secs => $3::double precision / 1000)
 WHERE id = ANY($2::bigint[]) AND claimed_by = $1 AND status = 'pending'`;

/** A dead letter becomes pending again, due now (waiting for nothing), with its attempts reset. */
export const RETRY_DEAD_LETTER_SQL = `
UPDATE es_outbox
   SET status = 'pending', attempts = 0, available_at = created_at, claimed_by = NULL,
       claimed_until = NULL
 WHERE id = $1 AND status = 'dead'
RETURNING id`;

/** Deletes up to $2 published messages older than $1 ms. */
export const DELETE_PUBLISHED_SQL = `
DELETE FROM es_outbox
 WHERE id IN (SELECT id FROM es_outbox
               WHERE status = 'published'
                 AND published_at < now() - make_interval(secs => $1::double precision / 1000)
               LIMIT $2)`;

/** Counts for GET /admin/outbox. */
export const OUTBOX_STATUS_SQL = `
SELECT count(*) FILTER (WHERE status = 'pending')::integer AS pending,
       count(*) FILTER (WHERE status = 'dead')::integer AS dead_lettered,
       COALESCE(floor(extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')) * 1000), 0)::bigint::text
         AS oldest_pending_age_ms
  FROM es_outbox
 WHERE status <> 'published'`;

/** The oldest dead letters. */
export const DEAD_LETTERS_SQL = `
SELECT id::text AS id, message_id, stream_id, type, attempts, last_error, created_at
  FROM es_outbox
 WHERE status = 'dead'
 ORDER BY id
 LIMIT 100`;

export interface OutboxRow {
  id: string;
  message_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  body: IntegrationMessageBody;
  correlation_id: string;
  causation_id: string;
  traceparent: string | null;
  attempts: number;
}
