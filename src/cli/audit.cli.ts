import 'reflect-metadata';
import { DataSource } from 'typeorm';
import {
  CheckpointSigner,
  verifyEventLog,
  writeAuditCheckpoint,
} from '@ledgerline/event-sourcing/postgres';
import { auditSettings } from '../audit';
import { loadAppConfig } from '../config/app-config';
import { runMigrations } from '../database/run-migrations';
import { typeOrmOptions } from '../database/typeorm-options';
import { operatorDatabase, runAsProgram } from './operator-cli';

const USAGE = `usage: npm run audit -- verify [--stream <streamId>]
       npm run audit -- checkpoint
  verify       check the event log's hash chains and signed checkpoints (the whole log), or one
               stream's chain; prints {verified, events, checkpoints, firstBrokenAt?} as JSON
               and exits 0 when verified, 1 when not
  checkpoint   sign the log up to the horizon now (as the app does every
               AUDIT_CHECKPOINT_INTERVAL_MS); prints the last checkpoint
  The key is AUDIT_SIGNING_KEY, as the app reads it.`;

/** An audit command's exit code and what it prints. */
export interface AuditCommandOutcome {
  readonly code: number;
  readonly output: string;
}

/**
 * Runs `verify` or `checkpoint` on `dataSource`; anything else answers the usage and 2.
 * Exported for its int-spec; the program below adds the database and the key.
 */
export async function auditCommand(
  dataSource: DataSource,
  signer: CheckpointSigner,
  args: readonly string[],
): Promise<AuditCommandOutcome> {
  const [command, ...rest] = args;
  if (
    command === 'verify' &&
    (rest.length === 0 || (rest.length === 2 && rest[0] === '--stream'))
  ) {
    const result = await verifyEventLog(dataSource, signer, { streamId: rest[1] });
    return { code: result.verified ? 0 : 1, output: JSON.stringify(result, null, 2) };
  }
  if (command === 'checkpoint' && rest.length === 0) {
    let last: { sequence: number; globalPosition: string; events: number } | undefined;
    // A backlog takes several checkpoints; stop once nothing new passed the horizon.
    for (;;) {
      const written = await writeAuditCheckpoint(dataSource, signer);
      if (typeof written !== 'object') {
        if (written === 'skipped' && !last)
          return { code: 1, output: 'another process is writing a checkpoint: try again' };
        break;
      }
      last = {
        sequence: written.sequence,
        globalPosition: written.globalPosition,
        events: written.events,
      };
    }
    return {
      code: 0,
      output: last
        ? JSON.stringify(last)
        : 'nothing new below the horizon since the last checkpoint',
    };
  }
  return { code: 2, output: USAGE };
}

/** Operator command against DATABASE_URL; the app instances keep serving meanwhile. */
async function main(args: string[]): Promise<number> {
  const config = loadAppConfig();
  const database = operatorDatabase(config);
  if (typeof database === 'string') {
    console.error(database);
    return 2;
  }
  const settings = auditSettings();
  if (settings.developmentKey)
    console.error('AUDIT_SIGNING_KEY is not set: using the development key, which proves nothing');
  await runMigrations(database);
  const dataSource = await new DataSource(typeOrmOptions(database)).initialize();
  try {
    const { code, output } = await auditCommand(
      dataSource,
      new CheckpointSigner(settings.signingKey),
      args,
    );
    (code === 2 ? console.error : console.log)(output);
    return code;
  } finally {
    await dataSource.destroy();
  }
}

// Only as a program: the int-spec imports auditCommand from this module.
if (require.main === module) runAsProgram(main);
