import type { Knex } from 'knex';

const ERASABLE = ['name_enc', 'id_number_enc', 'id_number_bidx', 'phone_enc', 'phone_bidx'];

export async function up(knex: Knex): Promise<void> {
  // A closed account keeps its row (its id is the pseudonymous reference the audit trail, evidence
  // and enterprise records point to) but none of its personal fields: they become NULL, so the
  // unique blind indexes free the ID number and the mobile number for a new registration.
  for (const column of ERASABLE) await knex.raw(`ALTER TABLE persons ALTER COLUMN ${column} DROP NOT NULL`);
  await knex.raw(`ALTER TABLE persons ADD CONSTRAINT persons_fields_unless_closed CHECK (status = 'closed' OR (${ERASABLE.map((c) => `${c} IS NOT NULL`).join(' AND ')}))`);

  // The person's request to close the account: due after the cooling-off period, cancellable until
  // the closing job claims it (claimed_at, one conditional UPDATE); closed_at once done.
  await knex.schema.createTable('account_closures', (t) => {
    t.uuid('person_id').primary().references('id').inTable('persons');
    t.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.timestamp('claimed_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
  });
  await knex.raw('CREATE INDEX account_closures_due ON account_closures (due_at) WHERE closed_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('account_closures');
  await knex.raw('ALTER TABLE persons DROP CONSTRAINT IF EXISTS persons_fields_unless_closed');
  // Closed accounts get placeholders that decrypt to nothing and match no lookup, since the older
  // schema requires every field; their status still refuses every login.
  await knex.raw(`UPDATE persons SET name_enc = coalesce(name_enc, ''), id_number_enc = coalesce(id_number_enc, ''),
    id_number_bidx = coalesce(id_number_bidx, 'erased:' || id), phone_enc = coalesce(phone_enc, ''),
    phone_bidx = coalesce(phone_bidx, 'erased:' || id) WHERE status = 'closed'`);
  for (const column of ERASABLE) await knex.raw(`ALTER TABLE persons ALTER COLUMN ${column} SET NOT NULL`);
}
