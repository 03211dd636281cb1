/** GET /customers/{id}: folded from the customer's stream, never stale. */
export type CustomerView = {
  id: string;
  name: string;
  email: string;
  documentNumber: string;
  status: 'ACTIVE' | 'UNREGISTERED';
  openAccounts: number;
  version: number;
};

/** One row of GET /customers, from the customer-summaries read model. */
export type CustomerListItem = CustomerView & { registeredAt: string };

export type CustomerPage = { items: CustomerListItem[]; nextCursor: string | null };
