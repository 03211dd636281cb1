import { Injectable, OnModuleInit } from '@nestjs/common';
import { AsyncContext, CommandBus, ICommand } from '@nestjs/cqrs';
import { CommandObserver } from '@ledgerline/event-sourcing';
import { toProblem } from '../../common/errors/problem-details';
import { LedgerlineMetrics } from './ledgerline-metrics';

type Execute = (command: ICommand, context?: AsyncContext) => Promise<unknown>;

/** How a command ended, as ledgerline_commands_total labels it. */
export type CommandOutcomeLabel = 'succeeded' | 'replayed' | 'refused' | 'failed';

/** A command being handled: its type, and whether the executor answered it from its record. */
interface InFlight {
  readonly type: string;
  replayed: boolean;
  /**
   * Executions of this command id under way. A repeat overlapping the first shares the entry,
   * and a replay marks both: rare, as the HTTP idempotency layer holds a repeat back while
   * the first runs, and the process worker leases each command to one sender.
   */
  count: number;
}

/** The label of executor events whose command did not come through the CommandBus. */
const UNKNOWN_COMMAND = 'unknown';

/** The command id a command carries in its CommandContext, if it has one. */
function commandIdOf(command: ICommand): string | undefined {
  const context: unknown = (command as { context?: unknown }).context;
  if (typeof context !== 'object' || context === null || !('metadata' in context)) return undefined;
  const metadata: unknown = context.metadata;
  if (typeof metadata !== 'object' || metadata === null || !('commandId' in metadata))
    return undefined;
  return typeof metadata.commandId === 'string' ? metadata.commandId : undefined;
}

/**
 * Outcome, duration, conflicts and replays of every command, by command type.
 *
 * Every command, from a controller or the transfer process, goes through the CommandBus, so
 * its `execute` is wrapped once here: @nestjs/cqrs has no hook that sees a command's outcome.
 * A refusal is labelled with the error code the API answers (toProblem), so the labels are
 * the catalogue's bounded set. What only the executors know (a version conflict on the way,
 * a repeat answered from the command record) arrives through CommandObserver, with the
 * command id; the commands in flight map it back to their type. A command that only the
 * executor saw is labelled `unknown`.
 */
@Injectable()
export class CommandMetrics implements OnModuleInit, CommandObserver {
  private readonly inFlight = new Map<string, InFlight>();

  constructor(
    private readonly metrics: LedgerlineMetrics,
    private readonly bus: CommandBus,
  ) {}

  onModuleInit(): void {
    const execute: Execute = this.bus.execute.bind(this.bus);
    const measured: Execute = (command, context) =>
      this.measure(command, () => execute(command, context));
    this.bus.execute = measured;
  }

  conflicted(commandId: string): void {
    this.metrics.commandConflicts.inc({ command: this.typeOf(commandId) });
  }

  retriesExhausted(commandId: string): void {
    this.metrics.commandRetriesExhausted.inc({ command: this.typeOf(commandId) });
  }

  replayed(commandId: string): void {
    const entry = this.inFlight.get(commandId);
    if (entry) entry.replayed = true;
  }

  private typeOf(commandId: string): string {
    return this.inFlight.get(commandId)?.type ?? UNKNOWN_COMMAND;
  }

  private async measure(command: ICommand, run: () => Promise<unknown>): Promise<unknown> {
    const type = command.constructor.name;
    const id = commandIdOf(command);
    const entry = id === undefined ? undefined : this.enter(id, type);
    const started = process.hrtime.bigint();
    const record = (outcome: CommandOutcomeLabel, code?: string) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.commands.inc(
        code ? { command: type, outcome, code } : { command: type, outcome },
      );
      this.metrics.commandDuration.observe({ command: type, outcome }, seconds);
    };
    try {
      const result = await run();
      record(entry?.replayed ? 'replayed' : 'succeeded');
      return result;
    } catch (error) {
      const { status, code } = toProblem(error);
      record(status < 500 ? 'refused' : 'failed', code);
      throw error;
    } finally {
      if (id !== undefined) this.leave(id);
    }
  }

  private enter(id: string, type: string): InFlight {
    const entry = this.inFlight.get(id);
    if (entry) {
      entry.count++;
      return entry;
    }
    const created: InFlight = { type, replayed: false, count: 1 };
    this.inFlight.set(id, created);
    return created;
  }

  private leave(id: string): void {
    const entry = this.inFlight.get(id);
    if (!entry) return;
    if (--entry.count === 0) this.inFlight.delete(id);
  }
}
