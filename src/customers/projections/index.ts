import { customerSummariesProjection } from './customer-summaries.projection';

/** The customers context's read models, for the composition root to run. */
export const customerProjections = [customerSummariesProjection];
