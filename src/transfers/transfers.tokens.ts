/** DI tokens of the transfers context. */
export const TRANSFER_REPOSITORY = Symbol('TRANSFER_REPOSITORY');
export const TRANSFER_COMMANDS = Symbol('TRANSFER_COMMANDS');
export const TRANSFER_OPTIONS = Symbol('TRANSFER_OPTIONS');

export interface TransferOptions {
  /** Run the process-manager worker (command dispatch, deadlines) in this process. */
  readonly worker: boolean;
  /** How long a credit may take before the transfer is compensated. */
  readonly creditTimeoutMs: number;
  /** A dispatched command not settled within this is sent again (after a crash). */
  readonly commandLeaseMs: number;
  /** Failed sends of a command before it is parked (default: the worker's, 10). */
  readonly commandMaxAttempts?: number;
  /** Amounts above this (minor units) wait for a second person (default 1 000 000). */
  readonly approvalThreshold?: number;
  /** How long a transfer may await approval before it expires (default 24 h). */
  readonly approvalTimeoutMs?: number;
}
