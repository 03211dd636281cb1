import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../config/app-config';
import { operatorDatabase, runAsProgram } from './operator-cli';
import { runMigrations } from '../database/run-migrations';
import { typeOrmOptions } from '../database/typeorm-options';
import { DataKeyStore, RotationResult } from '../personal-data/data-key-store';
import { loadMasterKey, replaceMasterKeyFile } from '../personal-data/master-key';
import { decodeKeySetting } from '../personal-data/personal-data-settings';
import { WrongMasterKeyError } from '../personal-data/sealing';

const USAGE = `usage: PII_NEW_MASTER_KEY=<base64 key> npm run pii:rotate-master-key
  rotate   re-wraps every customer's data key with PII_NEW_MASTER_KEY (32 bytes in base64,
           e.g. from \`openssl rand -base64 32\`), then checks that the new key opens them all.
           The current master key is read as the app reads it: PII_MASTER_KEY, or else the
           key file (PII_MASTER_KEY_FILE, default .data/pii-master-key).
           Interrupted? Run it again with the same two keys: it goes on where it stopped.
           Stop every app instance first: an instance on the old key cannot open a data key
           once it is re-wrapped, and one on the new key does not start before the end.

  Afterwards:
    current key from PII_MASTER_KEY: set PII_MASTER_KEY to the new key and start the instances.
    current key from the key file: the file is replaced by the new key (atomically, and only
      after the rotation succeeded); start the instances.`;

/**
 * Operator command against DATABASE_URL, with the app stopped: between the first re-wrapped
 * batch and the end, neither key opens every data key, so running instances would fail reads.
 * (Should one still run, it creates no data key under the old key once the rotation ended.)
 */
async function main(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0] !== 'rotate' || !process.env.PII_NEW_MASTER_KEY) {
    console.error(USAGE);
    return 2;
  }
  const config = loadAppConfig();
  const database = operatorDatabase(config);
  if (typeof database === 'string') {
    console.error(database);
    return 2;
  }
  const settings = config.personalData;
  const keyFile = settings.masterKey ? undefined : settings.masterKeyFile;
  if (keyFile?.startsWith('memory://')) {
    console.error('the master key is kept in memory only: there is nothing to rotate');
    return 2;
  }
  // A missing file would otherwise be created with a fresh key, which opens nothing.
  if (keyFile && !existsSync(keyFile)) {
    console.error(`no master key file at ${keyFile}: set PII_MASTER_KEY or PII_MASTER_KEY_FILE`);
    return 2;
  }
  const current = loadMasterKey(settings);
  const next = decodeKeySetting('PII_NEW_MASTER_KEY', process.env.PII_NEW_MASTER_KEY);

  await runMigrations(database);
  const dataSource = await new DataSource(typeOrmOptions(database)).initialize();
  try {
    const bar = new SingleBar(
      { format: 'data keys [{bar}] {percentage}% | {value}/{total} re-wrapped' },
      Presets.shades_classic,
    );
    bar.start(1, 0);
    let result: RotationResult;
    try {
      result = await new DataKeyStore(dataSource, current).rotate(next, (done, total) => {
        bar.setTotal(Math.max(1, total));
        bar.update(done);
      });
    } catch (error) {
      if (!(error instanceof WrongMasterKeyError)) throw error;
      console.error(
        `\nthe current master key (${keyFile ?? 'PII_MASTER_KEY'}) is not this database's: ${error.message}`,
      );
      return 1;
    } finally {
      bar.stop();
    }
    const check = new DataKeyStore(dataSource, next);
    const opened = await check.unwrapAll();
    console.log(
      `${result.rewrapped} data keys re-wrapped (${result.total - result.rewrapped} were already); ` +
        `all ${opened} open with the new master key ${check.masterKeyId}`,
    );
    if (keyFile) {
      replaceMasterKeyFile(keyFile, next);
      console.log(`${keyFile} now holds the new master key: restart every instance`);
    } else {
      console.log(
        'next: set PII_MASTER_KEY to the new key (the value of PII_NEW_MASTER_KEY) and restart ' +
          'every instance; the old key opens nothing any more',
      );
    }
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

runAsProgram(main);
