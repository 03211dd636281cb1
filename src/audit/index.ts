// The public surface of the audit context (the event log's tamper evidence): the only file
// other contexts may import.
export { AuditModule } from './audit.module';
export { auditSettings, DEVELOPMENT_SIGNING_KEY } from './audit-settings';
export type { AuditSettings } from './audit-settings';
