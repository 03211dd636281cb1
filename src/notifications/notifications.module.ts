import { Module } from '@nestjs/common';
import { NotificationsController } from './http/notifications.controller';
import { WithdrawalNotificationsConsumer } from './withdrawal-notifications.consumer';

/** A downstream context that reacts to public account events through an idempotent inbox. */
@Module({
  controllers: [NotificationsController],
  providers: [WithdrawalNotificationsConsumer],
  exports: [WithdrawalNotificationsConsumer],
})
export class NotificationsModule {}
