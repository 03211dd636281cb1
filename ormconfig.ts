import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadAppConfig } from './src/config/app-config';
import { typeOrmOptions } from './src/database/typeorm-options';

/**
 * The DataSource for the TypeORM CLI (`npm run migration:run`, `migration:revert`).
 * Needs DATABASE_URL: migrations of the embedded database run when the app starts.
 */
const config = loadAppConfig();
if (!config.databaseUrl) throw new Error('set DATABASE_URL to run migrations from the CLI');

export default new DataSource(
  typeOrmOptions({ url: config.databaseUrl, schema: config.databaseSchema, poolSize: 2 }),
);
