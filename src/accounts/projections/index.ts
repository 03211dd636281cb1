import { accountSummariesProjection } from './account-summaries.projection';
import { dailyTotalsProjection } from './daily-totals.projection';

/** The accounts context's read models (registered by its module). */
export const accountProjections = [accountSummariesProjection, dailyTotalsProjection];
