import { MigrationInterface, QueryRunner } from 'typeorm';

/** HTTP Idempotency-Key records: one row per key, replayed for 24 hours. */
export class IdempotencyKeys1732300000001 implements MigrationInterface {
  name = 'IdempotencyKeys1732300000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE http_idempotency_keys (
        idempotency_key text        PRIMARY KEY,
        fingerprint     text        NOT NULL,
        state           text        NOT NULL CHECK (state IN ('in_flight', 'completed')),
        response_status integer,
        response_body   jsonb,
        locked_until    timestamptz NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX http_idempotency_keys_created_at_idx ON http_idempotency_keys (created_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE http_idempotency_keys`);
  }
}
