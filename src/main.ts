// First: the tracing SDK must be running before http, express, pg and amqplib are loaded.
import { shutdownTracing, tracingSummary } from './observability/tracing/start-tracing';
import 'reflect-metadata';
import type { Server } from 'node:http';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { HttpDrain } from './common/http/http-drain';
import { loadAppConfig } from './config/app-config';
import { startEmbeddedPostgres } from './database/embedded-postgres';
import { ShutdownState } from './health/shutdown-state';
import { startLogging } from './observability/logging';

async function bootstrap(): Promise<void> {
  const logger = new Logger('Ledgerline');
  const config = loadAppConfig();
  // From here on every line, Nest's included, is structured (JSON unless on a terminal).
  const logging = startLogging(config.logging);
  let databaseUrl = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (databaseUrl) {
    logger.log(`database: PostgreSQL server at ${new URL(databaseUrl).host} (DATABASE_URL)`);
  } else {
    const embedded = await startEmbeddedPostgres(config.embeddedDataDir, config.databasePoolSize);
    databaseUrl = embedded.url;
    stopEmbedded = () => embedded.stop();
    logger.log(
      `database: embedded PostgreSQL (PGlite), data in ${config.embeddedDataDir}; set DATABASE_URL for a server`,
    );
  }
  logger.log(
    config.amqpUrl
      ? `broker: RabbitMQ at ${new URL(config.amqpUrl).host} (AMQP_URL)`
      : 'broker: none, integration messages are delivered in process; set AMQP_URL for RabbitMQ',
  );
  logger.log(tracingSummary());
  const app = await createApp(config, databaseUrl, stopEmbedded !== undefined, logging);
  const http = new HttpDrain(app.getHttpServer() as Server);
  // In this order: readiness fails at once; HTTP takes no new connections and the running
  // requests finish (for at most SHUTDOWN_GRACE_MS) while the pool, broker and background loops
  // they may wait for still run; app.close() then stops the loops after their current turn and
  // closes the pool, broker and Redis; the embedded database last, so PGlite shuts down
  // cleanly and a restart finds its data intact.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.get(ShutdownState).beginDraining();
    logger.log(
      `${signal}: shutting down; readiness answers 503, running requests get up to ${config.shutdownGraceMs} ms`,
    );
    void http
      .drain(config.shutdownGraceMs)
      .then(({ inFlight, cutOff, ms }) =>
        cutOff > 0
          ? logger.warn(`HTTP closed after ${ms} ms: ${cutOff} of ${inFlight} requests cut off`)
          : logger.log(`HTTP closed after ${ms} ms: ${inFlight} running requests finished`),
      )
      .then(() => app.close())
      .then(() => stopEmbedded?.())
      .then(() => shutdownTracing())
      .then(() => logger.log('stopped'))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`shutdown failed: ${error instanceof Error ? error.stack : String(error)}`);
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen(config.port);
  const url = (await app.getUrl()).replace('[::1]', 'localhost');
  logger.log(`listening on ${url} (API docs at /docs)`);
  if (config.auth.jwksUrl) {
    logger.log(`authentication: bearer tokens of ${config.auth.issuer}, keys from AUTH_JWKS_URL`);
  } else {
    logger.warn(
      'authentication: the local development issuer signs tokens (AUTH_JWKS_URL is unset); never use it in production',
    );
    logger.log('get a token: TOKEN=$(npm run --silent token -- --role teller)');
  }
}

bootstrap().catch((error: unknown) => {
  // Straight to stderr, synchronously (a pipe or file on Linux): the structured logger writes
  // asynchronously, and what it had not written yet would be lost at the exit below.
  console.error(`start failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
