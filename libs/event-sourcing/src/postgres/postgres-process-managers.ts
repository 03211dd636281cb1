import { v5 as uuidV5 } from 'uuid';
import { DataSource } from 'typeorm';
import { RecordedEvent } from '../core/event';
import { JsonObject, JsonValue } from '../core/json';
import { Projection } from '../projections/projection';
import {
  ProcessCommand,
  ProcessDecision,
  ProcessManager,
  StoredProcessCommand,
} from '../sagas/process-manager';
import {
  ProcessCommandView,
  ProcessDeadlineView,
  ProcessManagerOperations,
  ProcessManagerStore,
  UnsettledCommandStatus,
} from '../sagas/process-manager-store.port';
import { projectionTransaction } from './projection-transaction';
import { runInTransaction } from './run-in-transaction';
import {
  CANCEL_DEADLINES_SQL,
  CLAIM_DUE_DEADLINES_SQL,
  CLAIM_PROCESS_COMMANDS_SQL,
  COUNT_UNSETTLED_PROCESS_COMMANDS_SQL,
  INSERT_PROCESS_COMMANDS_SQL,
  LIST_PENDING_DEADLINES_SQL,
  LIST_PROCESS_COMMANDS_SQL,
  LOAD_PROCESS_STATE_SQL,
  LOCK_PENDING_PROCESS_COMMAND_SQL,
  MARK_DEADLINE_FIRED_SQL,
  POSTPONE_DEADLINE_SQL,
  MARK_PROCESS_COMMAND_DONE_SQL,
  MARK_PROCESS_COMMAND_REJECTED_SQL,
  PARK_PROCESS_COMMAND_SQL,
  RETRY_PROCESS_COMMAND_SQL,
  SAVE_PROCESS_STATE_SQL,
  SCHEDULE_DEADLINE_SQL,
  UNPARK_PROCESS_COMMAND_SQL,
} from './sql/process-manager.sql';

// Fixed namespace of process command ids (UUIDv5): never change it, resends must match.
const COMMAND_ID_NAMESPACE = '6c3e8f4a-2b1d-4e7a-9c5f-8a0b1d2e3f47';

/** What the store needs of a transaction. */
interface Sql {
  query<Row = unknown>(sql: string, parameters?: unknown[]): Promise<Row[]>;
}

interface CommandRow {
  id: string;
  manager: string;
  process_id: string;
  causation_id: string;
  correlation_id: string | null;
  traceparent: string | null;
  type: string;
  data: JsonObject;
  attempts: number;
  claim_token: string;
}

interface CommandViewRow {
  id: string;
  manager: string;
  process_id: string;
  causation_id: string;
  correlation_id: string | null;
  type: string;
  data: JsonObject;
  status: UnsettledCommandStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  available_at: Date;
}

interface DeadlineViewRow {
  manager: string;
  process_id: string;
  key: string;
  due_at: Date;
  due: boolean;
}

/** Longest error text kept per command: enough for a stack's first lines, bounded rows. */
const MAX_ERROR_LENGTH = 2_000;

/**
 * Process managers on PostgreSQL (`es_process_state`, `es_process_commands`,
 * `es_process_deadlines`). A decision (state, commands, deadlines) is always written in one
 * transaction with what caused it: the projection checkpoint for an event, the command's
 * rejection, or the deadline's firing, so each is handled exactly once.
 */
export class PostgresProcessManagers implements ProcessManagerStore, ProcessManagerOperations {
  constructor(private readonly dataSource: DataSource) {}

  /** Up to `limit` pending, due commands of `managers`, claimed for `leaseMs`. */
  async claimCommands(
    managers: readonly string[],
    limit: number,
    leaseMs: number,
  ): Promise<StoredProcessCommand[]> {
    const result = await this.execute(CLAIM_PROCESS_COMMANDS_SQL, [limit, leaseMs, managers]);
    return (result as CommandRow[]).map((row) => ({
      id: row.id,
      manager: row.manager,
      processId: row.process_id,
      causationId: row.causation_id,
      correlationId: row.correlation_id ?? row.process_id,
      ...(row.traceparent === null ? {} : { traceparent: row.traceparent }),
      type: row.type,
      data: row.data,
      attempts: row.attempts,
      claimToken: row.claim_token,
    }));
  }

  async markDone(commandId: string): Promise<void> {
    await this.execute(MARK_PROCESS_COMMAND_DONE_SQL, [commandId]);
  }

  async retryLater(command: StoredProcessCommand, error: string, delayMs: number): Promise<void> {
    await this.execute(RETRY_PROCESS_COMMAND_SQL, [
      command.id,
      error.slice(0, MAX_ERROR_LENGTH),
      delayMs,
      command.claimToken,
    ]);
  }

  async parkCommand(command: StoredProcessCommand, error: string): Promise<void> {
    await this.execute(PARK_PROCESS_COMMAND_SQL, [
      command.id,
      error.slice(0, MAX_ERROR_LENGTH),
      command.claimToken,
    ]);
  }

  async listCommands(
    statuses: readonly UnsettledCommandStatus[],
    limit: number,
  ): Promise<ProcessCommandView[]> {
    const rows = (await this.execute(LIST_PROCESS_COMMANDS_SQL, [
      statuses,
      limit,
    ])) as CommandViewRow[];
    return rows.map((row) => ({
      id: row.id,
      manager: row.manager,
      processId: row.process_id,
      causationId: row.causation_id,
      correlationId: row.correlation_id ?? row.process_id,
      type: row.type,
      data: row.data,
      status: row.status,
      attempts: row.attempts,
      lastError: row.last_error,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      availableAt: row.available_at,
    }));
  }

  async countCommands(): Promise<Record<UnsettledCommandStatus, number>> {
    const [row] = (await this.execute(COUNT_UNSETTLED_PROCESS_COMMANDS_SQL, [])) as {
      pending: number;
      parked: number;
    }[];
    return { pending: row.pending, parked: row.parked };
  }

  async retryParkedCommand(commandId: string): Promise<boolean> {
    return (await this.execute(UNPARK_PROCESS_COMMAND_SQL, [commandId])).length > 0;
  }

  async listDeadlines(dueOnly: boolean, limit: number): Promise<ProcessDeadlineView[]> {
    const rows = (await this.execute(LIST_PENDING_DEADLINES_SQL, [
      dueOnly,
      limit,
    ])) as DeadlineViewRow[];
    return rows.map((row) => ({
      manager: row.manager,
      processId: row.process_id,
      key: row.key,
      dueAt: row.due_at,
      due: row.due,
    }));
  }

  /**
   * Records that `command` was refused with `code` and lets its manager decide what follows,
   * in one transaction. @returns false when it was handled before (nothing done again).
   */
  rejectCommand<State extends JsonValue>(
    manager: ProcessManager<State>,
    command: StoredProcessCommand,
    code: string,
    now: Date,
  ): Promise<boolean> {
    return runInTransaction(this.dataSource, async (queryRunner) => {
      const tx = projectionTransaction(queryRunner);
      const locked = await tx.query(LOCK_PENDING_PROCESS_COMMAND_SQL, [
        command.id,
        command.claimToken,
      ]);
      if (locked.length === 0) return false;
      await tx.query(MARK_PROCESS_COMMAND_REJECTED_SQL, [command.id, `rejected: ${code}`]);
      const state = await loadState(tx, manager, command.processId);
      const decision = manager.onRejected(state, command, code, now);
      // What the refusal leads to (a refund, a failure) stays in the trace of the refused command.
      await persist(
        tx,
        manager.name,
        command.processId,
        decision,
        `${command.id}/rejected`,
        null,
        command.traceparent,
      );
      return true;
    });
  }

  /**
   * Fires the due deadlines of `manager` (at most `limit`), each in its own transaction that
   * records it fired, so it fires once even across restarts and instances. A deadline whose
   * `onDeadline` throws is postponed by a minute (not fired), so it blocks no other.
   * @returns how many fired.
   * @throws the first `onDeadline` error, after the others were fired
   */
  async fireDueDeadlines<State extends JsonValue>(
    manager: ProcessManager<State>,
    now: Date,
    limit = 100,
  ): Promise<number> {
    let fired = 0;
    let failure: Error | undefined;
    for (let i = 0; i < limit; i++) {
      const outcome = await this.fireNextDeadline(manager, now);
      if (outcome === 'none') break;
      if (outcome === 'fired') fired++;
      else failure ??= outcome;
    }
    if (failure) throw failure;
    return fired;
  }

  /** Fires the earliest due deadline not locked by another worker. */
  private fireNextDeadline<State extends JsonValue>(
    manager: ProcessManager<State>,
    now: Date,
  ): Promise<'fired' | 'none' | Error> {
    return runInTransaction(this.dataSource, async (queryRunner) => {
      const tx = projectionTransaction(queryRunner);
      const [deadline] = await tx.query<{ process_id: string; key: string; due_at: Date }>(
        CLAIM_DUE_DEADLINES_SQL,
        [manager.name, now.toISOString(), 1],
      );
      if (!deadline) return 'none';
      const state = await loadState(tx, manager, deadline.process_id);
      let decision: ProcessDecision<State>;
      try {
        decision = manager.onDeadline(state, deadline.key, now);
      } catch (error) {
        await tx.query(POSTPONE_DEADLINE_SQL, [manager.name, deadline.process_id, deadline.key]);
        return error instanceof Error ? error : new Error(String(error));
      }
      await tx.query(MARK_DEADLINE_FIRED_SQL, [manager.name, deadline.process_id, deadline.key]);
      const cause = `${deadline.process_id}/deadline/${deadline.key}/${deadline.due_at.toISOString()}`;
      await persist(tx, manager.name, deadline.process_id, decision, cause);
      return 'fired';
    });
  }

  private async execute(sql: string, parameters: unknown[]): Promise<unknown[]> {
    const queryRunner = this.dataSource.createQueryRunner();
    try {
      return (await queryRunner.query(sql, parameters, true)).records as unknown[];
    } finally {
      await queryRunner.release();
    }
  }
}

/**
 * A process manager as an asynchronous projection: run it with a `ProjectionRunner` (gap-safe,
 * checkpointed with its decisions in one transaction, retried, leased). Never rebuilt:
 * replaying it would decide its commands again.
 */
export function processManagerProjection<State extends JsonValue>(
  manager: ProcessManager<State>,
): Projection {
  return eventStepsProjection(manager, async (transaction, event, processId) => {
    const state = await loadState(transaction, manager, processId);
    return manager.onEvent(state, event, new Date(event.metadata.occurredAt));
  });
}

/**
 * A process manager without state (a `@Saga()` stream: see DurableSagas) as an asynchronous
 * projection: no state is read, and only an event that decided commands is written, with its
 * commands and checkpoint in one transaction. Never rebuilt.
 */
export function statelessProcessProjection(manager: ProcessManager<null>): Projection {
  return eventStepsProjection(manager, (_transaction, event) => {
    const decision = manager.onEvent(null, event, new Date(event.metadata.occurredAt));
    return decision.commands?.length || decision.schedule?.length ? decision : null;
  });
}

/** Runs `step` for each event of the manager's processes and persists what it decided. */
function eventStepsProjection<State extends JsonValue>(
  manager: ProcessManager<State>,
  step: (
    transaction: Sql,
    event: RecordedEvent,
    processId: string,
  ) => ProcessDecision<State> | null | Promise<ProcessDecision<State> | null>,
): Projection {
  return {
    name: manager.name,
    eventTypes: manager.eventTypes,
    tables: [],
    lifecycle: 'async',
    rebuildable: false,
    apply: async (events: readonly RecordedEvent[], transaction) => {
      for (const event of events) {
        const processId = manager.processId(event);
        if (processId === null) continue;
        const decision = await step(transaction, event, processId);
        // Nothing decided by a stateless step: nothing to keep.
        if (decision === null) continue;
        await persist(
          transaction,
          manager.name,
          processId,
          decision,
          event.eventId,
          event.metadata.correlationId,
          event.metadata.traceparent,
        );
      }
    },
  };
}

async function loadState<State extends JsonValue>(
  tx: Sql,
  manager: ProcessManager<State>,
  processId: string,
): Promise<State> {
  const rows = await tx.query<{ state: State }>(LOAD_PROCESS_STATE_SQL, [manager.name, processId]);
  return rows.length > 0 ? rows[0].state : manager.initialState();
}

/**
 * Writes a decision; command ids are UUIDv5 of the cause and the command's place. Commands
 * carry the process's correlation id: that of the first event it handled, and the trace
 * context of their own cause (none for a deadline: it starts a trace of its own).
 */
async function persist<State extends JsonValue>(
  tx: Sql,
  manager: string,
  processId: string,
  decision: ProcessDecision<State>,
  cause: string,
  causeCorrelationId: string | null = null,
  causeTraceparent?: string,
): Promise<void> {
  const [saved] = await tx.query<{ correlation_id: string | null }>(SAVE_PROCESS_STATE_SQL, [
    manager,
    processId,
    JSON.stringify(decision.state),
    causeCorrelationId,
  ]);
  const commands = (decision.commands ?? []).map((command: ProcessCommand, index) => ({
    id: uuidV5(`${manager}/${cause}/${index}/${command.type}`, COMMAND_ID_NAMESPACE),
    manager,
    processId,
    causationId: cause,
    correlationId: saved?.correlation_id ?? processId,
    traceparent: causeTraceparent,
    type: command.type,
    data: command.data,
  }));
  if (commands.length > 0) await tx.query(INSERT_PROCESS_COMMANDS_SQL, [JSON.stringify(commands)]);
  for (const deadline of decision.schedule ?? [])
    await tx.query(SCHEDULE_DEADLINE_SQL, [manager, processId, deadline.key, deadline.dueAt]);
  if (decision.cancel?.length)
    await tx.query(CANCEL_DEADLINES_SQL, [manager, processId, decision.cancel]);
}
