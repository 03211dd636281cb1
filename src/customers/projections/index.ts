import { customerSummariesProjection } from './customer-summaries.projection';

/** The customers context's read models (registered by its module). */
export const customerProjections = [customerSummariesProjection];
