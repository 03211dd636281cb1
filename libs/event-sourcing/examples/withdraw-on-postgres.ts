import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AggregateRepository, CommandExecutor } from '@ledgerline/event-sourcing';
import { PostgresEventStore } from '@ledgerline/event-sourcing/postgres';
import { decideWithdraw, wallet, WalletEvent, WalletState } from './wallet.decider';

/**
 * Withdraws from a wallet stream on PostgreSQL: load (fold the stream), decide, append at
 * the version decided on; on a version conflict the command is decided again on the new
 * state. The command id makes a repeat a no-op that answers the first result. `dataSource`
 * is a TypeORM postgres DataSource whose migrations include `eventStoreMigrations`.
 */
export async function withdraw(
  dataSource: DataSource,
  walletId: string,
  amount: number,
  commandId: string = randomUUID(),
): Promise<{ balance: number; version: number }> {
  const store = new PostgresEventStore(dataSource);
  const executor = new CommandExecutor<WalletState, WalletEvent>(
    store,
    new AggregateRepository(store, wallet),
  );
  return executor.execute({
    streamId: `wallet-${walletId}`,
    commandId,
    metadata: {
      commandId,
      correlationId: commandId,
      causationId: commandId,
      actor: 'example',
      occurredAt: new Date().toISOString(),
    },
    decide: (state) => decideWithdraw(amount, state),
    result: ({ state, version }) => ({
      balance: state.status === 'open' ? state.balance : 0,
      version,
    }),
  });
}
