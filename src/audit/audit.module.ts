import { Module } from '@nestjs/common';
import { AuditCheckpointsService } from './audit-checkpoints.service';
import { AUDIT_SETTINGS, auditSettings } from './audit-settings';
import { AuditVerificationService } from './audit-verification.service';
import { AuditVerificationController } from './http/audit-verification.controller';

/**
 * The event log's tamper evidence for auditors: the signed checkpoints written in the
 * background, and GET /audit/verification.
 */
@Module({
  controllers: [AuditVerificationController],
  providers: [
    { provide: AUDIT_SETTINGS, useFactory: () => auditSettings() },
    AuditCheckpointsService,
    AuditVerificationService,
  ],
})
export class AuditModule {}
