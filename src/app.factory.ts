import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { rejectPrototypeKeys } from './common/http/forbidden-keys.middleware';
import { requireJsonBody } from './common/http/require-json.middleware';
import { createValidationPipe } from './common/http/validation.pipe';
import { AppConfig } from './config/app-config';
import { runMigrations } from './database/run-migrations';
import { waitForDatabase } from './database/wait-for-database';

/**
 * Builds the HTTP application exactly as production runs it (the e2e tests use this too):
 * helmet, a JSON body-size limit, the strict validation pipe, problem+json errors, Swagger.
 */
export async function createApp(
  config: AppConfig,
  databaseUrl: string,
  embedded = false,
): Promise<INestApplication> {
  const database = {
    url: databaseUrl,
    schema: config.databaseSchema,
    // pglite-socket runs every connection in one backend session and, outside a transaction,
    // interleaves their protocol messages (one connection's Bind can meet another's Parse).
    // One pooled connection makes the embedded database safe; a real server gets the pool.
    poolSize: embedded ? 1 : config.databasePoolSize,
    embedded,
    timeouts: config.databaseTimeouts,
    applicationName: config.databaseApplicationName,
  };
  await waitForDatabase(() => runMigrations(database), {
    timeoutMs: config.databaseStartupWaitMs,
    onWait: (error) =>
      new Logger('Ledgerline').warn(
        `database not reachable yet, waiting up to ${config.databaseStartupWaitMs} ms: ${String(error)}`,
      ),
  });
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(
      database,
      {
        autoStart: config.projectionsAutoStart,
        readYourWritesTimeoutMs: config.readYourWritesTimeoutMs,
      },
      {
        amqpUrl: config.amqpUrl,
        exchange: config.amqpExchange,
        relay: config.outboxRelay,
        maxAttempts: config.outboxMaxAttempts,
        retryBaseMs: config.outboxRetryBaseMs,
        retentionMs: config.outboxRetentionHours * 3_600_000,
        inboxRetentionMs: config.inboxRetentionHours * 3_600_000,
      },
      {
        worker: config.processManagers,
        creditTimeoutMs: config.transferCreditTimeoutMs,
        commandLeaseMs: config.processCommandLeaseMs,
      },
    ),
    {
      bodyParser: false,
      logger: config.logLevels,
    },
  );
  app.disable('x-powered-by');
  // ETags are stream versions, set explicitly; Express's automatic weak body hashes would
  // invite clients to send them back in If-Match.
  app.set('etag', false);
  app.use(requireJsonBody);
  app.use(helmet());
  app.useBodyParser('json', { limit: config.bodyLimit, strict: true });
  app.use(rejectPrototypeKeys);
  app.useGlobalPipes(createValidationPipe());
  // Also registered as APP_FILTER; this instance catches what happens outside the module graph.
  app.useGlobalFilters(new ProblemDetailsFilter());
  if (config.swagger) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Ledgerline')
        .setDescription(
          'Event-sourced banking core. Money is integer minor units; errors are RFC 9457 problem+json with a stable code.',
        )
        .setVersion('0.1.0')
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  }
  return app;
}
