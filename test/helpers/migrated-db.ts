/** A database of its own (a throw-away PostgreSQL database, or a fresh PGlite), fully migrated: for migration tests. */
import { migrateLatest, openDatabase, type Database } from '../../src/store/db.ts';
import { throwawayDatabase, tmpDir } from './env.ts';

export async function openMigrated(): Promise<{ db: Database; close(): Promise<void> }> {
  const pg = process.env.DATABASE_URL ? await throwawayDatabase(process.env.DATABASE_URL) : undefined;
  const db = await openDatabase({ databaseUrl: pg?.url, dataDir: tmpDir(), poolMax: 2 });
  await migrateLatest(db.knex);
  return {
    db,
    async close() {
      await db.close();
      await pg?.drop();
    },
  };
}
