import request from 'supertest';

export const CUSTOMER_ID = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

/** Thin helpers over the accounts routes, so tests read as banking steps. */
export function accountsApi(baseUrl: string | (() => string)) {
  // A function defers reading the URL until the app has started (see useTestApp).
  const http = () => request(typeof baseUrl === 'string' ? baseUrl : baseUrl());
  return {
    http,
    async open(currency = 'EUR'): Promise<string> {
      const response = await http()
        .post('/accounts')
        .send({ customerId: CUSTOMER_ID, currency })
        .expect(201);
      return (response.body as { id: string }).id;
    },
    deposit: (id: string, amount: number, headers: Record<string, string> = {}) =>
      http().post(`/accounts/${id}/deposits`).set(headers).send({ amount }),
    withdraw: (id: string, amount: number, headers: Record<string, string> = {}) =>
      http().post(`/accounts/${id}/withdrawals`).set(headers).send({ amount }),
    async account(id: string): Promise<{ balance: number; version: number; status: string }> {
      const response = await http().get(`/accounts/${id}`).expect(200);
      return response.body as { balance: number; version: number; status: string };
    },
    async eventTypes(id: string): Promise<string[]> {
      const response = await http().get(`/accounts/${id}/events?limit=500`).expect(200);
      return (response.body as { events: { type: string }[] }).events.map((e) => e.type);
    },
  };
}
