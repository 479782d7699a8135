import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One row per act at a service counter (窗口): who checked whom, where, under which reference,
  // with which document. The card number is sealed like persons' ID numbers (its blind index
  // proves later which card was presented); a card reader's payload (photo, address) is not kept,
  // only its keyed hash and size: enough to match it to the reader's own log, nothing more.
  await knex.schema.createTable('counter_checks', (t) => {
    t.uuid('id').primary();
    t.uuid('person_id').notNullable().references('id').inTable('persons').index();
    // identity (L4 evidence), enterprise_representative (a claim confirmed), reclaim (handed on).
    t.text('act').notNullable();
    t.uuid('operator_id').notNullable().index();
    t.text('hall').notNullable();
    t.text('reference').notNullable();
    t.text('document_type').notNullable();
    // Erased (NULL) when the account is closed, like the persons row's own fields.
    t.text('card_number_enc');
    t.text('card_number_bidx');
    t.text('reader_payload_hash');
    t.integer('reader_payload_bytes');
    t.uuid('evidence_id');
    t.uuid('claim_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('counter_checks');
}
