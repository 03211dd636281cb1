import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  decodeCursor,
  encodeCursor,
  INSTANT_PART,
  instantKeySql,
  UUID_PART,
} from '../../common/pagination/cursor';
import { CustomerPage } from './customer.views';
import { ListCustomersQuery } from './list-customers.query';

interface SummaryRow {
  customer_id: string;
  name: string | null;
  email: string | null;
  document_number: string | null;
  status: 'ACTIVE' | 'UNREGISTERED' | 'ERASED';
  open_accounts: number;
  version: number;
  registered_at: Date;
  registered_key: string;
}

const LIST = 'customers';

/** LIKE treats % _ and \ specially: a prefix search must match them literally. */
const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Prefix search over customer_summaries, keyset-paged in order of registration (then id, so
 * customers registered in the same microsecond still have one order).
 */
@QueryHandler(ListCustomersQuery)
export class ListCustomersHandler implements IQueryHandler<ListCustomersQuery> {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async execute({ prefix, limit, cursor, scope }: ListCustomersQuery): Promise<CustomerPage> {
    const pattern = prefix ? `${escapeLike(prefix.toLowerCase())}%` : null;
    const after = cursor ? decodeCursor(cursor, LIST, [INSTANT_PART, UUID_PART]) : undefined;
    const rows: SummaryRow[] = await this.dataSource.query(
      `SELECT customer_id, name, email, document_number, status, open_accounts, version, registered_at,
              ${instantKeySql('registered_at')} AS registered_key
         FROM customer_summaries
        WHERE ($1::text IS NULL OR lower(name) LIKE $1 OR lower(email) LIKE $1)
          AND ($2::timestamptz IS NULL OR (registered_at, customer_id) > ($2::timestamptz, $3::uuid))
          AND ($5::uuid IS NULL OR customer_id = $5::uuid)
        ORDER BY registered_at, customer_id
        LIMIT $4`,
      [
        pattern,
        after?.[0] ?? null,
        after?.[1] ?? null,
        limit + 1,
        scope.kind === 'customer' ? scope.customerId : null,
      ],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({
        id: row.customer_id,
        name: row.name,
        email: row.email,
        documentNumber: row.document_number,
        status: row.status,
        openAccounts: row.open_accounts,
        version: row.version,
        registeredAt: row.registered_at.toISOString(),
      })),
      nextCursor:
        rows.length > limit ? encodeCursor(LIST, [last.registered_key, last.customer_id]) : null,
    };
  }
}
