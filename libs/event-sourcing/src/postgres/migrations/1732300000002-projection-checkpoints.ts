import { MigrationInterface, QueryRunner } from 'typeorm';

/** One row per projection: its checkpoint in the gap-safe log order, and its failure state. */
export class ProjectionCheckpoints1732300000002 implements MigrationInterface {
  name = 'ProjectionCheckpoints1732300000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE es_projections (
        name            text        PRIMARY KEY,
        transaction_id  xid8        NOT NULL DEFAULT '0',
        global_position bigint      NOT NULL DEFAULT 0,
        parked          boolean     NOT NULL DEFAULT false,
        failures        integer     NOT NULL DEFAULT 0,
        last_error      text,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE es_projections`);
  }
}
