import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../common/pagination/uuid-cursor';
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
}

/** LIKE treats % _ and \ specially: a prefix search must match them literally. */
const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Prefix search over customer_summaries, keyset-paged by customer id. */
@QueryHandler(ListCustomersQuery)
export class ListCustomersHandler implements IQueryHandler<ListCustomersQuery> {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async execute({ prefix, limit, cursor, scope }: ListCustomersQuery): Promise<CustomerPage> {
    const pattern = prefix ? `${escapeLike(prefix.toLowerCase())}%` : null;
    const rows: SummaryRow[] = await this.dataSource.query(
      `SELECT customer_id, name, email, document_number, status, open_accounts, version, registered_at
         FROM customer_summaries
        WHERE ($1::text IS NULL OR lower(name) LIKE $1 OR lower(email) LIKE $1)
          AND ($2::uuid IS NULL OR customer_id > $2::uuid)
          AND ($4::uuid IS NULL OR customer_id = $4::uuid)
        ORDER BY customer_id
        LIMIT $3`,
      [
        pattern,
        cursor ? decodeCursor(cursor) : null,
        limit + 1,
        scope.kind === 'customer' ? scope.customerId : null,
      ],
    );
    const page = rows.slice(0, limit);
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
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].customer_id) : null,
    };
  }
}
