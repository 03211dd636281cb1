import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditCheckpointLoop, CheckpointSigner } from '@ledgerline/event-sourcing/postgres';
import { AUDIT_SETTINGS, AuditSettings } from './audit-settings';

/**
 * Writes the signed checkpoints of the event log in the background (AuditCheckpointLoop):
 * every instance runs the loop, one writes at a time. Says at start when the key is the
 * development one.
 */
@Injectable()
export class AuditCheckpointsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AuditCheckpoints');
  private loop?: AuditCheckpointLoop;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(AUDIT_SETTINGS) private readonly settings: AuditSettings,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.developmentKey)
      this.logger.warn(
        'AUDIT_SIGNING_KEY is not set: checkpoints are signed with the development key, which proves nothing',
      );
    if (!this.settings.checkpoints) return;
    this.loop = new AuditCheckpointLoop(
      this.dataSource,
      new CheckpointSigner(this.settings.signingKey),
      { intervalMs: this.settings.checkpointIntervalMs },
      (error) => this.logger.warn(`writing an audit checkpoint failed: ${String(error)}`),
    );
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop?.stop();
  }
}
