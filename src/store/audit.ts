/** Append-only audit trail: inserts and reads only, never updates or deletes. */
import type { Knex } from 'knex';

export interface AuditEvent { actor: string; action: string; target?: string; detail?: Record<string, unknown> }

export class AuditStore {
  constructor(private readonly knex: Knex) {}

  async append(e: AuditEvent): Promise<void> {
    await this.knex('audit_events').insert({ actor: e.actor, action: e.action, target: e.target ?? null, detail: JSON.stringify(e.detail ?? {}) });
  }

  recent(limit = 100): Promise<Array<AuditEvent & { id: string; at: Date }>> {
    return this.knex('audit_events').orderBy('id', 'desc').limit(limit);
  }
}
