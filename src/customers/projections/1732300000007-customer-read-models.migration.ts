import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The customers read model. It holds personal data (name, email, document number) copied
 * from the customer events: an erasure must clear it here too (docs/security.md, "Personal data").
 */
export class CustomerReadModels1732300000007 implements MigrationInterface {
  name = 'CustomerReadModels1732300000007';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE customer_summaries (
        customer_id     uuid        PRIMARY KEY,
        name            text        NOT NULL,
        email           text        NOT NULL,
        document_number text        NOT NULL,
        status          text        NOT NULL,
        open_accounts   integer     NOT NULL,
        version         integer     NOT NULL,
        registered_at   timestamptz NOT NULL,
        updated_at      timestamptz NOT NULL
      )`);
    // Prefix search on lower-cased name and email (LIKE 'abc%').
    await queryRunner.query(
      `CREATE INDEX customer_summaries_name_idx ON customer_summaries (lower(name) text_pattern_ops)`,
    );
    await queryRunner.query(
      `CREATE INDEX customer_summaries_email_idx ON customer_summaries (lower(email) text_pattern_ops)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE customer_summaries`);
  }
}
