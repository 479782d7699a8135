/** SQL for the browsers accounts log in from, and the device behind each SSO session. */
import type { Knex } from 'knex';

export class DeviceStore {
  constructor(private readonly knex: Knex) {}

  /**
   * Records a login of `personId` from the device `deviceHash`. Returns whether the device is new
   * to the account and whether the account knew any device before. The insert decides: of two
   * parallel first logins from one device, one sees it new.
   */
  async seen(personId: string, deviceHash: string, userAgent: string): Promise<{ isNew: boolean; hadOthers: boolean }> {
    const res = await this.knex.raw(
      `WITH others AS (SELECT EXISTS (SELECT 1 FROM person_devices WHERE person_id = ? AND device_hash <> ?) AS had)
       INSERT INTO person_devices AS d (person_id, device_hash, user_agent) VALUES (?, ?, ?)
       ON CONFLICT (person_id, device_hash) DO UPDATE SET last_seen_at = now(), user_agent = EXCLUDED.user_agent
       RETURNING (xmax = 0) AS inserted, (SELECT had FROM others) AS had`,
      [personId, deviceHash, personId, deviceHash, userAgent]);
    const row = (res.rows as Array<{ inserted: boolean; had: boolean }>)[0]!;
    return { isNew: row.inserted, hadOthers: row.had };
  }

  /** The device a session was logged in from (a new login in the same browser replaces it). */
  async recordSession(sessionUid: string, personId: string, device: string, ttlSeconds: number): Promise<void> {
    await this.knex('session_devices')
      .insert({ session_uid: sessionUid, person_id: personId, device, expires_at: this.knex.raw('now() + make_interval(secs => ?)', [ttlSeconds]) })
      .onConflict('session_uid').merge(['person_id', 'device', 'login_at', 'expires_at']);
  }

  async sessionsOf(personId: string): Promise<Map<string, { device: string; loginAt: Date }>> {
    const rows = await this.knex('session_devices').where({ person_id: personId }).select('session_uid', 'device', 'login_at');
    return new Map(rows.map((r: { session_uid: string; device: string; login_at: Date }) => [r.session_uid, { device: r.device, loginAt: new Date(r.login_at) }]));
  }

  async sweep(): Promise<number> {
    return this.knex('session_devices').where('expires_at', '<', this.knex.fn.now()).delete();
  }
}
