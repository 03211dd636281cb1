import { Module } from '@nestjs/common';
import { AtmDepositLimitSaga } from './atm-deposit-limit.saga';
import { COMPLIANCE_SETTINGS, complianceSettings } from './compliance-settings';
import { LargeTransactionsController } from './http/large-transactions.controller';
import { LargeTransactionsHandler } from './large-transactions.handler';

/**
 * A downstream context built the @nestjs/cqrs way: an `@EventsHandler` of the accounts
 * context's committed events keeps its report table, and a `@Saga()` reverses oversized ATM
 * deposits with a compensating withdrawal.
 */
@Module({
  controllers: [LargeTransactionsController],
  providers: [
    { provide: COMPLIANCE_SETTINGS, useFactory: () => complianceSettings() },
    LargeTransactionsHandler,
    AtmDepositLimitSaga,
  ],
})
export class ComplianceModule {}
