import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { SingleBar, Presets } from 'cli-progress';
import { AppModule } from '../app.module';
import { loadAppConfig } from '../config/app-config';
import { runMigrations } from '../database/run-migrations';
import { ProjectionRebuilder } from '../projections/projection-rebuilder';
import { ProjectionsService } from '../projections/projections.service';

const USAGE = `usage: npm run projections -- <command>
  list              every projection with its position, lag and status
  rebuild <name>    replay <name> from position 0 into fresh tables, then switch over
                    (refused while any process rebuilds <name>)`;

/**
 * Operator commands for the read side, against DATABASE_URL. Runs no projection of its own:
 * the running app instances keep processing; a rebuild swaps its tables in under them.
 */
async function main(args: string[]): Promise<number> {
  const [command, name] = args;
  if (command !== 'list' && !(command === 'rebuild' && name)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadAppConfig();
  if (!config.databaseUrl) {
    // Two processes must never open one embedded data folder: use the running app's admin API.
    console.error(
      'set DATABASE_URL (for the embedded database, use POST /admin/projections/<name>/rebuild)',
    );
    return 2;
  }
  const database = { url: config.databaseUrl, schema: config.databaseSchema, poolSize: 4 };
  await runMigrations(database);
  const context = await NestFactory.createApplicationContext(
    AppModule.forRoot(
      database,
      { autoStart: false, readYourWritesTimeoutMs: 0 },
      // A one-off tool: it publishes nothing and consumes nothing (the app instances do).
      {
        exchange: 'ledgerline.public',
        relay: false,
        maxAttempts: 1,
        retryBaseMs: 1,
        retentionMs: 1,
      },
      // Nor does it run the transfer process's worker; its timeouts must match the app's.
      {
        worker: false,
        creditTimeoutMs: config.transferCreditTimeoutMs,
        approvalThreshold: config.approvalThreshold,
        approvalTimeoutMs: config.approvalTimeoutMs,
        commandLeaseMs: 30_000,
      },
      // Serves no HTTP: the guard is never asked; a key in memory keeps the data folder alone.
      {
        auth: { ...config.auth, localKeyFile: 'memory://' },
        rateLimits: { ...config.rateLimits, redisUrl: undefined },
        // The app's own master key: a rebuild reads the customers' sealed fields.
        personalData: config.personalData,
      },
    ),
    { logger: ['error', 'warn'] },
  );
  try {
    if (command === 'list') {
      console.table(await context.get(ProjectionsService).list());
      return 0;
    }
    const bar = new SingleBar(
      { format: `${name} [{bar}] {percentage}% | {value}/{total} positions` },
      Presets.shades_classic,
    );
    const rebuilder = context.get(ProjectionRebuilder);
    // Ctrl-C / SIGTERM: stop at the next batch and give the claim back, so other processes
    // may rebuild at once instead of after the claim's lease runs out.
    const interrupt = () => void rebuilder.abortAll('interrupted');
    process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
    bar.start(1, 0);
    try {
      await rebuilder.rebuild(name, (position, head) => {
        bar.setTotal(Math.max(1, Number(head)));
        bar.update(Number(position));
      });
    } finally {
      bar.stop();
      process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
    }
    console.log(`${name} rebuilt and switched over`);
    return 0;
  } finally {
    await context.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
