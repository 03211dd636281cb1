import { DynamicModule, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PostgresOutboxStore } from '@ledgerline/event-sourcing/postgres';
import { AdminOutboxController } from './http/admin-outbox.controller';
import { MessagingTransport } from './messaging-transport';
import { MESSAGING_OPTIONS, MessagingOptions, OUTBOX_STORE } from './messaging.tokens';
import { InboxRetentionService } from './inbox-retention.service';
import { OutboxRelayService } from './outbox-relay.service';

/**
 * Integration messaging: the outbox relay, the transport (RabbitMQ or in process), consumer
 * subscriptions, and the operators' view of the outbox.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      controllers: [AdminOutboxController],
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        {
          provide: OUTBOX_STORE,
          inject: [getDataSourceToken()],
          useFactory: (dataSource: DataSource) => new PostgresOutboxStore(dataSource),
        },
        MessagingTransport,
        OutboxRelayService,
        InboxRetentionService,
      ],
      exports: [MessagingTransport, OUTBOX_STORE, InboxRetentionService],
    };
  }
}
