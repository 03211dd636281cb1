import { AccountReadModels1732300000004 } from './1732300000004-account-read-models.migration';
import { AccountListOrder1732300000031 } from './1732300000031-account-list-order.migration';
import { accountSummariesProjection } from './account-summaries.projection';
import { dailyTotalsProjection } from './daily-totals.projection';

/** The accounts context's read models, for the composition root to run. */
export const accountProjections = [accountSummariesProjection, dailyTotalsProjection];

/** The tables of those read models, for the composition root to migrate. */
export const accountMigrations = [AccountReadModels1732300000004, AccountListOrder1732300000031];
