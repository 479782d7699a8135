/**
 * One seeding process of the scale run: builds persons [from, to) exactly as the person service
 * stores them (sealed fields and blind indexes from PersonService.sealFields) and inserts them
 * with their (shared, precomputed) password hash, a multi-row INSERT per batch.
 */
import { randomUUID } from 'node:crypto';
import knexFactory from 'knex';
import { FieldCrypto } from '../../src/crypto/field-crypto.ts';
import { PersonService } from '../../src/identity/persons.ts';
import type { PasswordHasher } from '../../src/authn/password.ts';
import type { PersonStore } from '../../src/store/persons.ts';
import { fictitiousPerson } from './fictitious.ts';

export interface SeedJob { dbUrl: string; fieldKeys: string[]; hash: string; from: number; to: number; batch: number }

// persons first, then their credentials, in one statement (and one transaction) per batch.
const INSERT = `WITH p AS (
  INSERT INTO persons (id, name_enc, id_number_enc, id_number_bidx, phone_enc, phone_bidx)
  SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
  RETURNING id)
INSERT INTO credentials (person_id, kind, secret) SELECT id, 'password', ? FROM p`;

process.once('message', async (job: SeedJob) => {
  const knex = knexFactory({ client: 'pg', connection: job.dbUrl, pool: { min: 1, max: 1 } });
  // Only the sealing is used: no store or hasher is touched.
  const persons = new PersonService({} as PersonStore, new FieldCrypto(job.fieldKeys.map((k) => Buffer.from(k, 'base64'))), {} as PasswordHasher);
  try {
    for (let start = job.from; start < job.to; start += job.batch) {
      const cols: string[][] = [[], [], [], [], [], []];
      for (let i = start; i < Math.min(job.to, start + job.batch); i++) {
        const s = persons.sealFields(fictitiousPerson(i));
        [randomUUID(), s.name_enc, s.id_number_enc, s.id_number_bidx, s.phone_enc, s.phone_bidx].forEach((v, c) => cols[c]!.push(v));
      }
      await knex.raw(INSERT, [...cols, job.hash]);
      process.send!({ done: Math.min(job.to, start + job.batch) - start });
    }
    process.send!({ finished: true }, () => process.exit(0));
  } catch (err) {
    process.send!({ error: (err as Error).stack ?? String(err) }, () => process.exit(1));
  } finally {
    await knex.destroy();
  }
});
