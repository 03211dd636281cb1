import 'reflect-metadata';
import { Presets, SingleBar } from 'cli-progress';
import { DataSource } from 'typeorm';
import { CheckpointSigner } from '@ledgerline/event-sourcing/postgres';
import { auditSettings } from '../audit';
import { loadAppConfig } from '../config/app-config';
import { operatorDatabase, runAsProgram } from './operator-cli';
import { customerPersonalFields } from '../customers';
import { runMigrations } from '../database/run-migrations';
import { typeOrmOptions } from '../database/typeorm-options';
import { DataKeyStore } from '../personal-data/data-key-store';
import { LookupHash } from '../personal-data/document-lookup';
import { loadMasterKey } from '../personal-data/master-key';
import {
  MigrationPhase,
  migratePlaintextPersonalData,
  PlaintextMigrationDeps,
  ReservationStreamClashError,
  verifyPersonalData,
} from '../personal-data/plaintext-migration';
import { WrongMasterKeyError } from '../personal-data/sealing';

const USAGE = `usage: npm run pii:migrate
  Converts a database written by the release that stored personal data in plain text: seals
  every customer's personal fields in es_events with the customer's data key, moves the
  document reservation streams from the number to its keyed hash, then verifies both.
  Run it with the app stopped (this release refuses to start until it has run). The master
  key is read as the app reads it: PII_MASTER_KEY, or else the key file (PII_MASTER_KEY_FILE).
  The event log's hash chain is computed again over the rewritten events, and the audit
  checkpoints signed again with AUDIT_SIGNING_KEY (recorded in es_audit_rechains).
  Interrupted? Run it again: it goes on where it stopped.`;

const PHASES: Record<MigrationPhase, string> = {
  seal: 'sealing events     ',
  move: 'moving reservations',
  verify: 'verifying events   ',
};

/** One bar per phase: a phase's first report ends the bar of the one before. */
function progressBars(): {
  report: (phase: MigrationPhase, done: number, total: number) => void;
  stop(): void;
} {
  let current: { phase: MigrationPhase; bar: SingleBar } | undefined;
  return {
    report(phase, done, total) {
      if (current?.phase !== phase) {
        current?.bar.stop();
        const bar = new SingleBar(
          { format: `${PHASES[phase]} [{bar}] {percentage}% | {value}/{total}` },
          Presets.shades_classic,
        );
        bar.start(Math.max(1, total), 0);
        current = { phase, bar };
      }
      current.bar.setTotal(Math.max(1, total));
      current.bar.update(done);
    },
    stop: () => current?.bar.stop(),
  };
}

/** Operator command against DATABASE_URL. */
async function main(args: string[]): Promise<number> {
  if (args.length > 0) {
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
  // Sealed with a key that dies with this process, the data could never be read again.
  if (!settings.masterKey && settings.masterKeyFile.startsWith('memory://')) {
    console.error(
      'the master key is kept in memory only: set PII_MASTER_KEY or PII_MASTER_KEY_FILE',
    );
    return 2;
  }
  await runMigrations(database);
  const dataSource = await new DataSource(typeOrmOptions(database)).initialize();
  try {
    const keys = new DataKeyStore(dataSource, loadMasterKey(settings));
    const deps: PlaintextMigrationDeps = {
      dataSource,
      keys,
      lookup: new LookupHash(keys),
      declarations: customerPersonalFields,
      // The audit checkpoints over the rewritten events are signed again with the app's key.
      checkpointSigner: new CheckpointSigner(auditSettings().signingKey),
    };
    const bars = progressBars();
    try {
      await keys.verifyMasterKey();
      const result = await migratePlaintextPersonalData(deps, bars.report);
      const verification = await verifyPersonalData(deps, bars.report);
      bars.stop();
      if (verification.problems.length > 0) {
        console.error('verification failed:');
        for (const problem of verification.problems) console.error(`  ${problem}`);
        return 1;
      }
      console.log(
        `${result.sealedNow} events sealed now, ${result.alreadySealed} already sealed, ` +
          `${result.streamsMoved} reservation streams moved; all ${verification.checked} ` +
          `events with personal data verified` +
          (verification.erased > 0 ? ` (${verification.erased} of erased customers)` : ''),
      );
      return 0;
    } catch (error) {
      bars.stop();
      if (error instanceof WrongMasterKeyError || error instanceof ReservationStreamClashError) {
        console.error(`\n${error.message}`);
        return 1;
      }
      throw error;
    }
  } finally {
    await dataSource.destroy();
  }
}

// Only as a program: keeps the module importable without side effects.
if (require.main === module) runAsProgram(main);
