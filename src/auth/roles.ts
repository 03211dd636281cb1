/**
 * The roles a token may carry. `customer` is self-service (one customer's own data);
 * `teller` acts for any customer; `auditor` reads everything and writes nothing; `admin`
 * runs operations (`/admin/*`) and moves no money (separation of duties).
 */
export const ROLES = ['customer', 'teller', 'auditor', 'admin'] as const;

export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);
