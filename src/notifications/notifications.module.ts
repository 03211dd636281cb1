import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts';
import { NotificationsController } from './http/notifications.controller';
import { WithdrawalNotificationsConsumer } from './withdrawal-notifications.consumer';

/** A downstream context that reacts to public account events through an idempotent inbox. */
@Module({
  // Account ownership: a customer sees the notices of their own accounts only.
  imports: [AccountsModule],
  controllers: [NotificationsController],
  providers: [WithdrawalNotificationsConsumer],
  exports: [WithdrawalNotificationsConsumer],
})
export class NotificationsModule {}
