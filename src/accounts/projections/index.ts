import { accountSummariesProjection } from './account-summaries.projection';
import { dailyTotalsProjection } from './daily-totals.projection';

/** The accounts context's read models, for the composition root to run. */
export const accountProjections = [accountSummariesProjection, dailyTotalsProjection];
