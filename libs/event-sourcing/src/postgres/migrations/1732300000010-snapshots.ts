import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The latest snapshot of each stream: its folded state at `stream_version`, in the state
 * schema `schema_version`. Written in the transaction of the events that made it due.
 */
export class Snapshots1732300000010 implements MigrationInterface {
  name = 'Snapshots1732300000010';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE es_snapshots (
        stream_id      text        PRIMARY KEY,
        stream_version integer     NOT NULL,
        schema_version integer     NOT NULL,
        state          jsonb       NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE es_snapshots`);
  }
}
