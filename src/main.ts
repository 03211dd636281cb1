import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { loadAppConfig } from './config/app-config';
import { startEmbeddedPostgres } from './database/embedded-postgres';

async function bootstrap(): Promise<void> {
  const logger = new Logger('Ledgerline');
  const config = loadAppConfig();
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
  const app = await createApp(config, databaseUrl, stopEmbedded !== undefined);
  // Close HTTP and the pool first, then the embedded database, so PGlite shuts down cleanly
  // and a restart finds its data intact.
  const shutdown = (signal: string) => {
    logger.log(`${signal}: shutting down`);
    void app
      .close()
      .then(() => stopEmbedded?.())
      .finally(() => process.exit(0));
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
  new Logger('Ledgerline').error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
