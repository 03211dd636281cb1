// The public surface of the compliance context: the only file other contexts may import.
export { ComplianceModule } from './compliance.module';
