import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountsModule, holdExpiryProcess } from './accounts';
import { AuditModule } from './audit';
import { AuthModule } from './auth/auth.module';
import { ComplianceModule } from './compliance';
import { SagaOptions } from './sagas/saga-options';
import { SagasModule } from './sagas/sagas.module';
import { AuthSettings } from './auth/auth-settings';
import { RateLimitSettings } from './auth/rate-limit-settings';
import { ProjectionsModule } from './projections/projections.module';
import { ProjectionsOptions } from './projections/projections.tokens';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { IdempotencyModule } from './common/idempotency/idempotency.module';
import { EventStoreModule } from './database/event-store.module';
import { DatabaseSettings } from './database/database-settings';
import { typeOrmOptions } from './database/typeorm-options';
import { CustomersModule } from './customers';
import { PersonalDataModule } from './personal-data/personal-data.module';
import { PersonalDataSettings } from './personal-data/personal-data-settings';
import { HealthModule } from './health/health.module';
import { MessagingModule } from './messaging/messaging.module';
import { MessagingOptions } from './messaging/messaging.tokens';
import { NotificationsModule } from './notifications';
import { OpsModule } from './ops/ops.module';
import { MetricsModule } from './observability/metrics/metrics.module';
import { TransferOptions, TransfersModule } from './transfers';

/** The composition root: infrastructure once, then one module per bounded context. */
@Module({})
export class AppModule {
  static forRoot(
    database: DatabaseSettings,
    projections: ProjectionsOptions,
    messaging: MessagingOptions,
    transfers: TransferOptions,
    security: {
      auth: AuthSettings;
      rateLimits: RateLimitSettings;
      /** Where the master key of the personal-data keys comes from. */
      personalData: PersonalDataSettings;
    },
    /** False (METRICS=off): no GET /metrics, and nothing observes requests or commands. */
    metrics = true,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({ ...typeOrmOptions(database), retryAttempts: 3, retryDelay: 1_000 }),
        CqrsModule.forRoot(),
        // Each context registers its own parts in its module: projections, process managers,
        // upcasters and outbox mapping (EventSourcingModule.forFeature), personal fields
        // (PersonalDataModule.forFeature); its migrations are found by their file names.
        PersonalDataModule.forRoot(security.personalData),
        EventStoreModule.forRoot(database),
        AuthModule.forRoot(security.auth, security.rateLimits),
        MessagingModule.forRoot(messaging),
        IdempotencyModule,
        HealthModule,
        // The observers it provides are injected as optional, so the graph builds without it.
        ...(metrics ? [MetricsModule] : []),
        ProjectionsModule.forRoot(database, projections),
        CustomersModule,
        AccountsModule,
        TransfersModule.forRoot(transfers),
        NotificationsModule,
        ComplianceModule,
        AuditModule,
        // ↑ The bounded contexts: `npm run generate -- context <name>` adds a new one above.
        SagasModule.forRoot(
          new SagaOptions(
            transfers.worker,
            transfers.commandLeaseMs,
            transfers.commandMaxAttempts,
            [holdExpiryProcess],
          ),
        ),
        OpsModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    };
  }
}
