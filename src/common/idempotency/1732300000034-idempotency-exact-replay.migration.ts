import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A replay must be the first response byte for byte: jsonb re-orders an object's keys and
 * drops the text it was given, json keeps the text exactly. The response headers a replay
 * repeats (Location) are kept beside it.
 */
export class IdempotencyExactReplay1732300000034 implements MigrationInterface {
  name = 'IdempotencyExactReplay1732300000034';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE http_idempotency_keys
        ALTER COLUMN response_body TYPE json USING response_body::json,
        ADD COLUMN response_headers jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE http_idempotency_keys
        DROP COLUMN response_headers,
        ALTER COLUMN response_body TYPE jsonb USING response_body::jsonb`);
  }
}
