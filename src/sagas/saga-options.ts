import { JsonValue, ProcessManager } from '@ledgerline/event-sourcing';

/** How this process runs the sagas' command sending (the process managers' settings). */
export class SagaOptions {
  constructor(
    /** Send commands in this process (PROCESS_MANAGERS). */
    readonly worker: boolean,
    /** A claimed command not settled within this is sent again (after a crash). */
    readonly commandLeaseMs: number,
    /** Failed sends of a command before it is parked. */
    readonly commandMaxAttempts?: number,
    /**
     * Process managers of the contexts run beside the sagas: their commands are sent and their
     * deadlines fired by the same worker (each is registered by its context's feature, which
     * stores its state, commands and deadlines).
     */
    readonly processManagers: readonly ProcessManager<JsonValue>[] = [],
  ) {}
}
