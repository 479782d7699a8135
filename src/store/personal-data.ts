/**
 * SQL for the "download my data" export: what the other stores hold about one person, read as
 * descriptions only. No column holding a secret (password hash, authenticator secret, passkey
 * public key, code hashes) or another person's data (an agent's name and ID number) is selected.
 */
import type { Knex } from 'knex';

export interface EvidenceEntry {
  id: string;
  channel_id: string;
  kind: string;
  checked: Array<{ field: string; masked?: string }>;
  result: string;
  error_code: string | null;
  authority_ref: string | null;
  at: Date;
}

export class PersonalDataStore {
  constructor(private readonly knex: Knex) {}

  /** Every verification attempt about the person, newest first, without the keyed hashes. */
  async evidence(personId: string): Promise<EvidenceEntry[]> {
    const rows = await this.knex('verification_evidence').where({ subject_person_id: personId }).orderBy('at', 'desc')
      .select('id', 'channel_id', 'kind', 'checked', 'result', 'error_code', 'authority_ref', 'at');
    return rows.map((r: EvidenceEntry) => ({ ...r, checked: r.checked.map((c) => ({ field: c.field, ...(c.masked ? { masked: c.masked } : {}) })) }));
  }

  /** Reclaims of the account (a squatted ID number taken back), without the clerk. */
  reclaims(personId: string): Promise<Array<{ level: string; method: string; hall: string | null; reference: string | null; created_at: Date }>> {
    return this.knex('account_reclaims').where({ person_id: personId }).orderBy('created_at', 'desc').select('level', 'method', 'hall', 'reference', 'created_at');
  }

  /** Administrative roles requested for the person, without who requested or approved them. */
  adminRoles(personId: string): Promise<Array<{ role: string; platforms: string[]; status: string; requested_at: Date; approved_at: Date | null; revoked_at: Date | null }>> {
    return this.knex('admin_role_grants').where({ person_id: personId }).orderBy('requested_at', 'desc')
      .select('role', 'platforms', 'status', 'requested_at', 'approved_at', 'revoked_at');
  }

  authenticatorApp(personId: string): Promise<{ confirmed_at: Date | null; pending_since: Date | null; enrolled: boolean } | undefined> {
    return this.knex('totp_authenticators').where({ person_id: personId })
      .first('confirmed_at', 'pending_since', this.knex.raw('secret_enc IS NOT NULL AS enrolled'));
  }

  async recoveryCodes(personId: string): Promise<{ generated_at: Date | null; total: number; used: number }> {
    const row = await this.knex('mfa_recovery_codes').where({ person_id: personId })
      .first(this.knex.raw('max(created_at) AS generated_at'), this.knex.raw('count(*)::int AS total'), this.knex.raw('count(used_at)::int AS used'));
    return row ?? { generated_at: null, total: 0, used: 0 };
  }

  passkeys(personId: string): Promise<Array<{ name: string; created_at: Date; last_used_at: Date | null; backup_eligible: boolean; transports: string[] }>> {
    return this.knex('passkeys').where({ person_id: personId }).orderBy('created_at').select('name', 'created_at', 'last_used_at', 'backup_eligible', 'transports');
  }

  devices(personId: string): Promise<Array<{ user_agent: string; first_seen_at: Date; last_seen_at: Date }>> {
    return this.knex('person_devices').where({ person_id: personId }).orderBy('first_seen_at').select('user_agent', 'first_seen_at', 'last_seen_at');
  }

  representedEnterprises(personId: string): Promise<Array<{ credit_code: string; name: string; verified_at: Date | null }>> {
    return this.knex('enterprises').where({ legal_rep_person_id: personId }).orderBy('credit_code').select('credit_code', 'name', 'verified_at');
  }

  representativeClaims(personId: string): Promise<Array<{ credit_code: string; claimed_name: string; status: string; created_at: Date; decided_at: Date | null }>> {
    return this.knex('representative_claims as c').join('enterprises as e', 'e.id', 'c.enterprise_id').where({ 'c.person_id': personId })
      .orderBy('c.created_at').select('e.credit_code', 'c.claimed_name', 'c.status', 'c.created_at', 'c.decided_at');
  }

  /**
   * Agent authorisations the person holds or was offered (by the blind index of their ID number),
   * and those they granted as a representative: enterprise, platforms, dates and status, never
   * the agent's name or ID number (another person's, when they granted it).
   */
  delegations(personId: string, idNumberIndexes: string[]): Promise<Array<DelegationEntry>> {
    return this.knex('delegations as d').join('enterprises as e', 'e.id', 'd.enterprise_id')
      .where((q) => {
        q.where('d.agent_person_id', personId).orWhere('d.granted_by', personId);
        if (idNumberIndexes.length) q.orWhere((o) => o.whereIn('d.agent_id_number_bidx', idNumberIndexes).whereNull('d.agent_person_id'));
      })
      .orderBy('d.created_at')
      .select('d.id', 'e.credit_code', 'e.name as enterprise_name', 'd.all_platforms', 'd.platforms', 'd.status', 'd.expires_at',
        'd.accepted_at', 'd.ended_at', 'd.created_at', this.knex.raw('(d.granted_by = ?) AS granted_by_me', [personId]));
  }
}

export interface DelegationEntry {
  id: string;
  credit_code: string;
  enterprise_name: string;
  all_platforms: boolean;
  platforms: string[];
  status: string;
  expires_at: Date;
  accepted_at: Date | null;
  ended_at: Date | null;
  created_at: Date;
  granted_by_me: boolean;
}
