export { transferSummariesProjection } from './transfer-summaries.projection';
