import { apiGet, parseOutboxStatus, parseProjections } from '../infra/admin-api';
import { AppFleet } from '../infra/app-fleet';
import { Caller } from '../infra/credentials';
import { DeliveryTap } from '../infra/delivery-tap';
import { PgCluster } from '../infra/pg-cluster';
import { RabbitNode } from '../infra/rabbitmq-node';
import { now, sleep } from '../support/clock';
import { Random } from '../support/random';
import { ClientMode } from '../workload/retrying-client';

export interface QuiescenceResult {
  readonly reached: boolean;
  readonly tookMs: number;
  /** What was still moving at the last look (empty when reached). */
  readonly outstanding: readonly string[];
}

export interface QuiescenceTargets {
  readonly cluster: PgCluster;
  readonly fleet: AppFleet;
  readonly rabbit: RabbitNode;
  readonly tap: DeliveryTap;
  readonly mode: ClientMode;
  /** Reads /admin/* (role admin). */
  readonly callers: { readonly operator: Caller };
}

/** The tap must have been silent this long. */
const TAP_SILENCE_MS = 3_000;

/** Every fault undone: normal client deadlines, PostgreSQL and RabbitMQ up, every app serving. */
export async function heal(targets: QuiescenceTargets): Promise<void> {
  targets.mode.shortTimeouts = false;
  if (!(await targets.cluster.isRunning())) await targets.cluster.start();
  await targets.cluster.waitConnectable(60_000);
  await targets.rabbit.ensureUp();
  await targets.fleet.heal();
}

const count = async (cluster: PgCluster, sql: string): Promise<number> =>
  Number((await cluster.query<{ n: string }>(sql))[0]?.n ?? -1);

/** What still moves: an empty list means quiet. */
async function outstanding(targets: QuiescenceTargets, random: Random): Promise<string[]> {
  const { cluster, fleet, tap } = targets;
  const operator = targets.callers.operator;
  const found: string[] = [];
  const outbox = parseOutboxStatus(await apiGet(fleet, random, operator, '/admin/outbox'));
  if (!outbox) found.push('GET /admin/outbox did not answer');
  else if (outbox.pending > 0 || outbox.deadLettered > 0)
    found.push(`outbox: ${outbox.pending} pending, ${outbox.deadLettered} dead-lettered`);
  const projections = parseProjections(await apiGet(fleet, random, operator, '/admin/projections'));
  if (!projections) found.push('GET /admin/projections did not answer');
  for (const projection of projections ?? []) {
    if (projection.lagEvents !== 0 || projection.status === 'parked')
      found.push(
        `projection ${projection.name}: ${projection.status}, lag ${projection.lagEvents}`,
      );
  }
  const unfinished = await count(
    cluster,
    `SELECT count(*) AS n FROM es_events i WHERE i.type = 'TransferInitiated' AND NOT EXISTS (
       SELECT 1 FROM es_events t WHERE t.stream_id = i.stream_id
          AND t.type IN ('TransferCompleted', 'TransferFailed', 'TransferCompensated'))`,
  );
  if (unfinished !== 0) found.push(`${unfinished} transfer(s) not terminal`);
  const unsent = await count(
    cluster,
    `SELECT count(*) AS n FROM es_process_commands WHERE status = 'pending'`,
  );
  if (unsent !== 0) found.push(`${unsent} process command(s) pending`);
  const unnotified = await count(
    cluster,
    `SELECT (SELECT count(*) FROM es_outbox WHERE type = 'accounts.money-withdrawn')
          - (SELECT count(DISTINCT message_id) FROM withdrawal_notifications) AS n`,
  );
  if (unnotified !== 0) found.push(`${unnotified} withdrawal(s) not yet notified`);
  const silentFor = now() - tap.lastArrivalAt;
  if (silentFor < TAP_SILENCE_MS)
    found.push(`the broker tap received a message ${silentFor.toFixed(0)} ms ago`);
  return found;
}

/** Polls until nothing moves, or the bound passes. */
export async function waitForQuiescence(
  targets: QuiescenceTargets,
  random: Random,
  timeoutMs: number,
): Promise<QuiescenceResult> {
  const startedAt = now();
  let last: string[] = [];
  while (now() - startedAt < timeoutMs) {
    last = await outstanding(targets, random).catch((error: unknown) => [
      `probe failed: ${error instanceof Error ? error.message : String(error)}`,
    ]);
    if (last.length === 0) return { reached: true, tookMs: now() - startedAt, outstanding: [] };
    await sleep(500);
  }
  return { reached: false, tookMs: now() - startedAt, outstanding: last };
}
