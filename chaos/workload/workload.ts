import { sleep } from '../support/clock';
import { Random } from '../support/random';
import {
  closeAccount,
  ClientContext,
  deposit,
  openAccount,
  readAccount,
  registerCustomer,
  transfer,
  unregisterCustomer,
  withdraw,
} from './bank-actions';
import { BankModel } from './bank-model';
import { History } from './history';
import { RetryingClient } from './retrying-client';

type Action = (context: ClientContext) => Promise<void>;

/** Relative weights once the bank has customers and accounts to work with. */
const STEADY_MIX: readonly [Action, number][] = [
  [deposit, 30],
  [withdraw, 24],
  [transfer, 22],
  [registerCustomer, 2],
  [openAccount, 2],
  [closeAccount, 3],
  [unregisterCustomer, 2],
  [readAccount, 5],
];
const TOTAL_WEIGHT = STEADY_MIX.reduce((sum, [, weight]) => sum + weight, 0);
const MIN_CUSTOMERS = 6;
/** Far above what two app instances on two cores serve (about 200 writes/s): a safety bound. */
export const MAX_OPERATIONS_PER_MINUTE = 60_000;
const MIN_ACCOUNTS = 10;

function nextAction(model: BankModel, random: Random): Action {
  if (model.activeCustomers().length < MIN_CUSTOMERS) return registerCustomer;
  if (model.openAccounts().length < MIN_ACCOUNTS) return openAccount;
  let roll = random.next() * TOTAL_WEIGHT;
  for (const [action, weight] of STEADY_MIX) {
    roll -= weight;
    if (roll < 0) return action;
  }
  return deposit;
}

export interface WorkloadOptions {
  /** Pause between a client's actions, drawn in [0, thinkMs]. */
  readonly thinkMs: number;
  /** No client starts an action once the history holds this many writes (a safety bound). */
  readonly maxOperations: number;
}

/**
 * Concurrent clients, each with its own seeded random stream and its own principal (one
 * RetryingClient each), choosing bank actions until stopped. `stop` lets every client finish
 * the action it is in (its retries included).
 */
export class Workload {
  /** Exceptions of the checker's own client code (should stay empty). */
  readonly errors: string[] = [];
  private stopping = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly clients: readonly RetryingClient[],
    private readonly history: History,
    private readonly model: BankModel,
    private readonly random: Random,
    private readonly options: WorkloadOptions,
  ) {}

  start(): void {
    this.loops = this.clients.map((client, index) =>
      this.runClient(client, this.random.fork(index)),
    );
  }

  private async runClient(client: RetryingClient, random: Random): Promise<void> {
    const context: ClientContext = { client, model: this.model, random };
    while (!this.stopping && this.history.operations.length < this.options.maxOperations) {
      // The client never rejects; anything thrown here is the checker's own bug: count it and
      // go on, so one bad step does not silence a client for the rest of the run.
      await nextAction(
        this.model,
        random,
      )(context).catch((error: unknown) => {
        this.errors.push(error instanceof Error ? error.message : String(error));
      });
      await sleep(random.int(0, this.options.thinkMs));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }
}
