import { CommandExecution, CommandOutcome, JsonValue } from '@ledgerline/event-sourcing';
import { CommandContext } from '../../common/commands/command-context';
import { AccountEvent } from '../domain/account.events';
import { AccountState, accountStreamId } from '../domain/account.state';
import { assertAccountInScope } from '../queries/account-access';

/**
 * A command on one account stream, as the account executor runs it: the caller's command id,
 * metadata and If-Match version, and the caller's scope checked on the state it is decided on.
 */
export function accountCommand<R extends JsonValue>(
  accountId: string,
  context: CommandContext,
  decide: (state: AccountState) => AccountEvent[],
  result: (outcome: CommandOutcome<AccountState>) => R,
): CommandExecution<AccountState, AccountEvent, R> {
  return {
    streamId: accountStreamId(accountId),
    commandId: context.metadata.commandId,
    metadata: context.metadata,
    expectedVersion: context.expectedVersion,
    decide: (state) => {
      assertAccountInScope(context.scope, accountId, state);
      return decide(state);
    },
    result,
  };
}
