import { AppConfig } from '../config/app-config';
import { DatabaseSettings } from '../database/database-settings';

/**
 * The database an operator command works on: the server of DATABASE_URL, or a message saying
 * why there is none. Never the embedded database: two processes must not open one data folder.
 */
export function operatorDatabase(config: AppConfig): DatabaseSettings | string {
  if (!config.databaseUrl)
    return 'set DATABASE_URL (the embedded database cannot be opened by a second process)';
  return { url: config.databaseUrl, schema: config.databaseSchema, poolSize: 4 };
}

/** Runs `main` as the program: its answer is the exit code; a failure prints and exits 1. */
export function runAsProgram(main: (args: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
