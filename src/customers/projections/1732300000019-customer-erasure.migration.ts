import { MigrationInterface, QueryRunner } from 'typeorm';

/** An erased customer's row keeps its id and counts; its personal fields become null. */
export class CustomerErasure1732300000019 implements MigrationInterface {
  name = 'CustomerErasure1732300000019';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE customer_summaries
        ALTER COLUMN name DROP NOT NULL,
        ALTER COLUMN email DROP NOT NULL,
        ALTER COLUMN document_number DROP NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM customer_summaries WHERE status = 'ERASED'`);
    await queryRunner.query(`
      ALTER TABLE customer_summaries
        ALTER COLUMN name SET NOT NULL,
        ALTER COLUMN email SET NOT NULL,
        ALTER COLUMN document_number SET NOT NULL`);
  }
}
