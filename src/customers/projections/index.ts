import { CustomerReadModels1732300000007 } from './1732300000007-customer-read-models.migration';
import { CustomerErasure1732300000019 } from './1732300000019-customer-erasure.migration';
import { CustomerListOrder1732300000032 } from './1732300000032-customer-list-order.migration';
import { customerSummariesProjection } from './customer-summaries.projection';

/** The customers context's read models, for the composition root to run. */
export const customerProjections = [customerSummariesProjection];

/** The tables of those read models, for the composition root to migrate. */
export const customerMigrations = [
  CustomerReadModels1732300000007,
  CustomerErasure1732300000019,
  CustomerListOrder1732300000032,
];
