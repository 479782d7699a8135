/** Append-only audit trail: inserts and reads only, never updates or deletes. */
import type { Knex } from 'knex';
import { Statements } from './statements.ts';

export interface AuditEvent { actor: string; action: string; target?: string; detail?: Record<string, unknown> }

export class AuditStore {
  readonly #sql: Statements;

  constructor(private readonly knex: Knex) {
    this.#sql = new Statements(knex);
  }

  // Every login appends here: a prepared statement (statements.ts).
  async append(e: AuditEvent): Promise<void> {
    await this.#sql.run('audit_append', 'INSERT INTO audit_events (actor, action, target, detail) VALUES ($1, $2, $3, $4::jsonb)',
      [e.actor, e.action, e.target ?? null, JSON.stringify(e.detail ?? {})]);
  }

  recent(limit = 100): Promise<Array<AuditEvent & { id: string; at: Date }>> {
    return this.knex('audit_events').orderBy('id', 'desc').limit(limit);
  }
}
