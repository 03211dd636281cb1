import { MigrationInterface, QueryRunner } from 'typeorm';

/** The gift-card-summaries read model: one row per gift card, listed in order of creation. */
export class GiftCardSummaries1765000000000 implements MigrationInterface {
  name = 'GiftCardSummaries1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE gift_card_summaries (
         gift_card_id uuid PRIMARY KEY,
         title text NOT NULL,
         version integer NOT NULL,
         created_at timestamptz NOT NULL
       )`,
    );
    // A rebuild copies the index to the new table under a generated name.
    await queryRunner.query(
      `CREATE INDEX gift_card_summaries_created_idx ON gift_card_summaries (created_at, gift_card_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS gift_card_summaries`);
  }
}
