/**
 * Outbox figures for a scrape: one pass over the unpublished rows (es_outbox_pending_idx),
 * which a healthy relay keeps few.
 */
export const OUTBOX_METRICS_SQL = `
SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
       count(*) FILTER (WHERE status = 'dead')::int AS dead_letters,
       COALESCE(extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')), 0)::float8
         AS oldest_pending_age_seconds
  FROM es_outbox
 WHERE status <> 'published'`;

/**
 * Process-manager figures for a scrape, each over a partial index of the rows it counts
 * (pending commands, pending deadlines; parked commands have one from the parking migration
 * on, and before it the count is simply 0: the status is plain text, so the query holds
 * either way).
 */
export const PROCESS_METRICS_SQL = `
SELECT c.pending, c.retrying,
       (SELECT count(*)::int FROM es_process_commands WHERE status = 'parked') AS parked,
       (SELECT count(*)::int FROM es_process_deadlines
         WHERE status = 'pending' AND due_at <= now()) AS deadlines_due
  FROM (SELECT count(*)::int AS pending, count(*) FILTER (WHERE attempts > 0)::int AS retrying
          FROM es_process_commands WHERE status = 'pending') c`;
