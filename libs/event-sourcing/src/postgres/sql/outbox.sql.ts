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
 * Claims the publishable messages: per stream, the unbroken run of pending, due, unclaimed
 * rows from its oldest unpublished row (a dead letter, a backoff or another relay's claim
 * stops the run), oldest first, at most $2, for $3 ms under claim token $1. Walks the
 * unpublished rows in id order and stops at $2, so its cost follows the batch, not the
 * backlog.
 * `picked` is MATERIALIZED: inlined, the planner may run it once per candidate row of the
 * UPDATE. It does when the statistics say the outbox has nothing pending (an ANALYZE while it
 * was drained), and a backlog of 1 500 messages then took 80 s to claim: the relay stalled
 * on its statement timeout for good.
 */
export const CLAIM_OUTBOX_SQL = `
WITH picked AS MATERIALIZED (
  SELECT o.id
    FROM es_outbox o
   WHERE o.status = 'pending' AND o.available_at <= now()
     AND (o.claimed_until IS NULL OR o.claimed_until < now())
     -- Every earlier unpublished row of the stream must be publishable too (it then has a
     -- smaller id, so it is picked first): a dead, backing-off or claimed row stops the run.
     AND NOT EXISTS (
       SELECT 1 FROM es_outbox p
        WHERE p.stream_id = o.stream_id AND p.id < o.id AND p.status <> 'published'
          AND NOT (p.status = 'pending' AND p.available_at <= now()
                   AND (p.claimed_until IS NULL OR p.claimed_until < now())))
   ORDER BY o.id
   LIMIT $2
)
UPDATE es_outbox o
   SET claimed_by = $1, claimed_until = now() + make_interval(secs => $3::double precision / 1000)
  FROM picked
 WHERE o.id = picked.id
   -- Checked again on the row itself: it may have been settled since the CTE read it.
   AND o.status = 'pending' AND (o.claimed_until IS NULL OR o.claimed_until < now())
RETURNING ${OUTBOX_COLUMNS}`;

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

/** A dead letter becomes pending again, due now, with its attempts reset. */
export const RETRY_DEAD_LETTER_SQL = `
UPDATE es_outbox
   SET status = 'pending', attempts = 0, available_at = now(), claimed_by = NULL, claimed_until = NULL
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
