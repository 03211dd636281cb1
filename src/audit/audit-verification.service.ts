import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  CheckpointSigner,
  LogVerification,
  verifyEventLog,
} from '@ledgerline/event-sourcing/postgres';
import { AUDIT_SETTINGS, AuditSettings } from './audit-settings';

/**
 * Verifies the event log's tamper evidence with the configured key. A whole-log verification
 * reads every event: one runs at a time in this process, the next waits for it, so auditors
 * cannot stack passes over the log; a stream's runs at once.
 */
@Injectable()
export class AuditVerificationService {
  private readonly signer: CheckpointSigner;
  private wholeLog: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(AUDIT_SETTINGS) settings: AuditSettings,
  ) {
    this.signer = new CheckpointSigner(settings.signingKey);
  }

  verify(streamId?: string): Promise<LogVerification> {
    if (streamId !== undefined) return verifyEventLog(this.dataSource, this.signer, { streamId });
    const run = this.wholeLog.then(() => verifyEventLog(this.dataSource, this.signer));
    this.wholeLog = run.catch(() => undefined);
    return run;
  }
}
