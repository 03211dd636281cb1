// The public surface of the compliance context: the only file other contexts may import.
import { LargeTransactions1732300000022 } from './1732300000022-large-transactions.migration';

export { ComplianceModule } from './compliance.module';

/** The compliance context's table, for the composition root to migrate. */
export const complianceMigrations = [LargeTransactions1732300000022];
