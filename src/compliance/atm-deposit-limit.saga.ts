import { Inject, Injectable } from '@nestjs/common';
import { ICommand, IEvent, ofType, Saga } from '@nestjs/cqrs';
import { filter, map, Observable } from 'rxjs';
import { MoneyDeposited, WithdrawMoneyCommand } from '../accounts';
import { PROCESS_COMMAND_CONTEXT } from '../common/commands/process-command-context';
import { COMPLIANCE_SETTINGS, ComplianceSettings } from './compliance-settings';

/** The reference of the withdrawal that reverses the ATM deposit recorded as `eventId`. */
export const reversalReference = (eventId: string): string => `ATM deposit reversal ${eventId}`;

/**
 * Reverses every ATM deposit above the ATM limit with a compensating withdrawal. A `@Saga()`
 * as the @nestjs/cqrs documentation writes one, run durably: it is fed committed events from
 * the log (checkpoint `saga:AtmDepositLimitSaga.reverseOversizedAtmDeposits`), and each
 * withdrawal it emits is stored with a fixed command id and sent until it is done, once.
 */
@Injectable()
export class AtmDepositLimitSaga {
  constructor(@Inject(COMPLIANCE_SETTINGS) private readonly settings: ComplianceSettings) {}

  @Saga()
  reverseOversizedAtmDeposits = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      ofType(MoneyDeposited),
      filter(
        (event) =>
          event.data.channel === 'atm' && event.data.amount > this.settings.atmDepositLimit,
      ),
      map(
        (event) =>
          new WithdrawMoneyCommand(
            event.data.accountId,
            event.data.amount,
            reversalReference(event.eventId),
            PROCESS_COMMAND_CONTEXT,
          ),
      ),
    );
}
