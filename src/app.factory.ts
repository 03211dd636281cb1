import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { corsOptions } from './common/http/cors-options';
import { rejectInexactNumbers } from './common/http/exact-numbers.middleware';
import { rejectPrototypeKeys } from './common/http/forbidden-keys.middleware';
import { noStore } from './common/http/no-store.middleware';
import { createOpenApiDocument } from './common/openapi/openapi-document';
import { requireJsonBody } from './common/http/require-json.middleware';
import { applyServerTimeouts } from './common/http/server-timeouts';
import { createValidationPipe } from './common/http/validation.pipe';
import { AppConfig } from './config/app-config';
import { runMigrations } from './database/run-migrations';
import { waitForDatabase } from './database/wait-for-database';
import { AppLogging, requestLogging, startLogging } from './observability/logging';
import { HttpMetrics } from './observability/metrics/http-metrics';
import { serverSpans } from './observability/tracing/server-spans.middleware';

/**
 * Builds the HTTP application exactly as production runs it (the e2e tests use this too):
 * helmet, a JSON body-size limit, the strict validation pipe, problem+json errors, Swagger.
 */
export async function createApp(
  config: AppConfig,
  databaseUrl: string,
  embedded = false,
  logging: AppLogging = startLogging(config.logging),
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
    appendRoundTrips: config.databaseAppendRoundTrips,
    tableStatistics: config.databaseTableStatistics,
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
        publishWindow: config.outboxPublishWindow,
        retentionMs: config.outboxRetentionHours * 3_600_000,
        inboxRetentionMs: config.inboxRetentionHours * 3_600_000,
      },
      {
        worker: config.processManagers,
        creditTimeoutMs: config.transferCreditTimeoutMs,
        approvalThreshold: config.approvalThreshold,
        approvalTimeoutMs: config.approvalTimeoutMs,
        commandLeaseMs: config.processCommandLeaseMs,
        commandMaxAttempts: config.processCommandMaxAttempts,
      },
      { auth: config.auth, rateLimits: config.rateLimits, personalData: config.personalData },
      config.metrics,
    ),
    {
      bodyParser: false,
      // Kept for rejectInexactNumbers: only the source text shows a number JSON.parse rounded.
      rawBody: true,
      // Nest's own start-up lines wait for the pino logger below instead of going to the console.
      bufferLogs: true,
    },
  );
  app.useLogger(logging.nestLogger);
  applyServerTimeouts(app.getHttpServer(), config.httpTimeouts);
  app.disable('x-powered-by');
  // ETags are stream versions, set explicitly; Express's automatic weak body hashes would
  // invite clients to send them back in If-Match.
  app.set('etag', false);
  // Ahead of everything: all a request does runs in the context of its server span.
  app.use(serverSpans);
  // Ahead of everything, CORS included: it refuses nothing, and so every response (a preflight,
  // a refusal by the middleware below) carries X-Request-Id and gets its access line.
  app.use(requestLogging(logging));
  // Beside it, for the same reason: every request is timed, whatever answers it.
  if (config.metrics) app.use(app.get(HttpMetrics).middleware);
  // First, so the cors middleware answers preflights before any other middleware or guard (a
  // preflight carries no bearer token) and error responses carry the CORS headers too.
  if (config.corsOrigins.length > 0) app.enableCors(corsOptions(config.corsOrigins));
  app.use(noStore);
  app.use(requireJsonBody);
  // Helmet's defaults minus upgrade-insecure-requests: opened over plain HTTP by a host name or
  // network address (not localhost or 127.0.0.1), browsers would fetch the Swagger UI's scripts
  // and styles over https, which this server does not speak, and /docs would stay blank.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.useBodyParser('json', { limit: config.bodyLimit, strict: true });
  app.use(rejectPrototypeKeys);
  app.use(rejectInexactNumbers);
  app.useGlobalPipes(createValidationPipe());
  // Also registered as APP_FILTER; this instance catches what happens outside the module graph.
  app.useGlobalFilters(new ProblemDetailsFilter());
  if (config.swagger) {
    const document = createOpenApiDocument(app);
    SwaggerModule.setup('docs', app, document, {
      jsonDocumentUrl: 'docs-json',
      // The token pasted into Authorize survives a reload of the page.
      swaggerOptions: { persistAuthorization: true },
    });
  }
  return app;
}
