import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable process managers: their state per process, the commands they decided (sent by a
 * dispatcher until handled), and their deadlines (fired once, after restarts too).
 */
export class ProcessManagers1732300000008 implements MigrationInterface {
  name = 'ProcessManagers1732300000008';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE es_process_state (
        manager    text        NOT NULL,
        process_id text        NOT NULL,
        state      jsonb       NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (manager, process_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE es_process_commands (
        id            uuid        PRIMARY KEY,
        seq           bigserial   NOT NULL,
        manager       text        NOT NULL,
        process_id    text        NOT NULL,
        causation_id  text        NOT NULL,
        type          text        NOT NULL,
        data          jsonb       NOT NULL,
        status        text        NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'done', 'rejected')),
        attempts      integer     NOT NULL DEFAULT 0,
        available_at  timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        claim_token   uuid,
        outcome       text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        handled_at    timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX es_process_commands_pending_idx ON es_process_commands (seq) WHERE status = 'pending'`,
    );
    await queryRunner.query(`
      CREATE TABLE es_process_deadlines (
        manager    text        NOT NULL,
        process_id text        NOT NULL,
        key        text        NOT NULL,
        due_at     timestamptz NOT NULL,
        status     text        NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'fired', 'cancelled')),
        fired_at   timestamptz,
        PRIMARY KEY (manager, process_id, key)
      )`);
    await queryRunner.query(
      `CREATE INDEX es_process_deadlines_due_idx ON es_process_deadlines (due_at) WHERE status = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE es_process_deadlines`);
    await queryRunner.query(`DROP TABLE es_process_commands`);
    await queryRunner.query(`DROP TABLE es_process_state`);
  }
}
