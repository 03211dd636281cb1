import { Injectable, Logger, Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { ICommand, IEvent } from '@nestjs/cqrs';
// Not re-exported by @nestjs/cqrs's index: the metadata keys its decorators write.
import { COMMAND_HANDLER_METADATA, SAGA_METADATA } from '@nestjs/cqrs/dist/decorators/constants';
import { Observable, Subject } from 'rxjs';
import { RecordedEvent } from '../core/event';
import { CommandClass, commandClassesByName, processCommand } from '../sagas/process-command';
import { ProcessCommand, ProcessManager } from '../sagas/process-manager';
import { committedEventClasses } from './committed-event';

/** A `@Saga()` property: events in, commands out, as the @nestjs/cqrs documentation writes it. */
type SagaStream = (events$: Observable<IEvent>) => Observable<ICommand>;

const isClass = (candidate: unknown): candidate is Type<unknown> => typeof candidate === 'function';
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** The name a saga's process manager (and checkpoint) goes by: stable with its class and property. */
export const sagaCheckpoint = (sagaClass: Type, property: string): string =>
  `saga:${sagaClass.name}.${property}`;

/**
 * Finds the `@Saga()` streams of the application and backs each with a durable process
 * manager: the saga is fed every committed event (in log order, from a checkpoint), and the
 * commands it emits while an event is delivered are stored with that event's progress, with
 * ids derived from the event, then sent at least once by the process-manager worker. A kill -9
 * at any point loses no command and sends none twice under a new id.
 *
 * What the RxJS form cannot keep: a command emitted later than the delivery of its event (a
 * `delay`, a timer, a `debounceTime`, an awaited call in `mergeMap`) has no event to be stored
 * with; it is refused with an error naming the saga (use a process manager with deadlines for
 * anything timed). State kept in the stream (`scan`, `pairwise`) lives in memory only and
 * restarts empty after a restart: keep state in a process manager.
 */
@Injectable()
export class DurableSagas {
  private readonly logger = new Logger('Sagas');
  private found?: ProcessManager<null>[];

  constructor(private readonly discovery: DiscoveryService) {}

  /** Call once every provider is instantiated (from onModuleInit or later). */
  managers(): ProcessManager<null>[] {
    this.found ??= this.discover();
    return this.found;
  }

  /** The command classes that have a `@CommandHandler`, by class name (how commands are stored). */
  commandClasses(): ReadonlyMap<string, CommandClass> {
    const handled: Type<unknown>[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      if (!isClass(wrapper.metatype)) continue;
      const command: unknown = Reflect.getMetadata(COMMAND_HANDLER_METADATA, wrapper.metatype);
      if (isClass(command)) handled.push(command);
    }
    // Two classes of one name throw: a stored command could not tell them apart.
    return commandClassesByName(handled);
  }

  private discover(): ProcessManager<null>[] {
    const commands = this.commandClasses();
    const managers: ProcessManager<null>[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const sagaClass: unknown = wrapper.metatype;
      if (!isClass(sagaClass)) continue;
      const properties: unknown = Reflect.getMetadata(SAGA_METADATA, sagaClass);
      if (!Array.isArray(properties)) continue;
      const instance: unknown = wrapper.instance;
      for (const property of properties) {
        if (typeof property !== 'string' || !isRecord(instance)) continue;
        const stream = instance[property];
        if (typeof stream !== 'function')
          throw new Error(`${sagaClass.name}.${property}: a @Saga() must be a function`);
        const name = sagaCheckpoint(sagaClass, property);
        managers.push(
          sagaManager(
            name,
            (events$) => stream.call(instance, events$) as Observable<ICommand>,
            commands,
            this.logger,
          ),
        );
      }
    }
    return managers;
  }
}

/**
 * One saga as a process manager whose state is nothing: each event is a step of its own, and
 * what the stream emits during the step is the step's commands.
 */
function sagaManager(
  name: string,
  saga: SagaStream,
  commands: ReadonlyMap<string, CommandClass>,
  logger: Logger,
): ProcessManager<null> {
  const events$ = new Subject<IEvent>();
  let step: ICommand[] | undefined;
  let failure: unknown;
  saga(events$.asObservable()).subscribe({
    next: (command) => {
      if (step) step.push(command);
      else
        logger.error(
          `${name} emitted ${command.constructor.name} outside the delivery of an event (a timer or ` +
            'an asynchronous operator): it was not stored or sent; use a process manager for timed steps',
        );
    },
    // An error ends an RxJS stream for good: every later event fails (and parks the saga)
    // instead of passing by unseen.
    error: (error: unknown) => (failure = error),
  });
  const eventClasses = committedEventClasses();
  return {
    name,
    eventTypes: [...eventClasses.keys()],
    processId: (event: RecordedEvent) => event.eventId,
    initialState: () => null,
    onEvent(state, event) {
      const EventClass = eventClasses.get(event.type);
      if (!EventClass) return { state };
      step = [];
      try {
        events$.next(new EventClass(event));
        if (failure !== undefined)
          throw new Error(
            `${name} failed and stopped: ${failure instanceof Error ? failure.message : 'it threw a non-error'}`,
            { cause: failure },
          );
        return { state, commands: step.map((command) => stored(name, command, commands)) };
      } finally {
        step = undefined;
      }
    },
    // A refused command is final (a domain rule said no): the worker logs it; a saga has no
    // state to correct.
    onRejected: (state) => ({ state }),
    onDeadline: (state) => ({ state }),
  };
}

/** A command as stored (processCommand: its class name and its own fields, as JSON). */
function stored(
  saga: string,
  command: ICommand,
  commands: ReadonlyMap<string, CommandClass>,
): ProcessCommand {
  const type = command.constructor.name;
  if (commands.get(type) !== command.constructor)
    throw new Error(`${saga} emitted ${type}, which no @CommandHandler handles`);
  try {
    return processCommand(command);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${saga} emitted a ${type} that cannot be stored: ${why}`, { cause: error });
  }
}
