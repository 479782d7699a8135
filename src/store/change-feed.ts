/**
 * Change notices from PostgreSQL (LISTEN/NOTIFY) on one dedicated connection per process, so a
 * process may cache rows that other processes change. The feed is `live` only while it listens:
 * whenever the connection is (re)established or lost, every subscriber is told to reset, because
 * notices sent meanwhile are gone. Subscribers must not cache anything while the feed is down.
 */
import type { Knex } from 'knex';

export interface ChangeListener {
  /** A row changed; `payload` is what the trigger sent (a key). */
  notice(payload: string): void;
  /** Notices may have been missed: forget everything. */
  reset(): void;
}

interface PgListenConnection {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', fn: (msg: { channel: string; payload?: string }) => void): void;
  on(event: 'error' | 'end', fn: () => void): void;
}

interface RawConnections {
  acquireRawConnection(): Promise<PgListenConnection>;
  destroyRawConnection(conn: PgListenConnection): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]*$/;
const MAX_RETRY_MS = 30_000;

export class ChangeFeed {
  readonly #raw: RawConnections;
  readonly #listeners = new Map<string, Set<ChangeListener>>();
  #conn: PgListenConnection | undefined;
  #connecting = false;
  #closed = false;
  #retryMs = 500;
  #timer: NodeJS.Timeout | undefined;

  constructor(knex: Knex, private readonly onError: (err: unknown) => void = () => {}) {
    this.#raw = knex.client as RawConnections;
  }

  /** True while notices are being received; caches must be bypassed otherwise. */
  get live(): boolean { return this.#conn !== undefined; }

  subscribe(channel: string, listener: ChangeListener): void {
    if (!CHANNEL.test(channel)) throw new Error(`invalid channel name ${channel}`);
    if (this.#conn) throw new Error('subscribe before the feed starts');
    let set = this.#listeners.get(channel);
    if (!set) this.#listeners.set(channel, (set = new Set()));
    set.add(listener);
  }

  /** Starts listening in the background (idempotent); `live` turns true once it listens. */
  start(): void {
    if (this.#conn || this.#connecting || this.#closed || this.#timer) return;
    this.#connecting = true;
    void this.#connect().finally(() => { this.#connecting = false; });
  }

  async #connect(): Promise<void> {
    let conn: PgListenConnection | undefined;
    try {
      conn = await this.#raw.acquireRawConnection();
      const c = conn;
      c.on('notification', (msg) => {
        for (const l of this.#listeners.get(msg.channel) ?? []) l.notice(msg.payload ?? '');
      });
      c.on('error', () => this.#lost(c));
      c.on('end', () => this.#lost(c));
      for (const channel of this.#listeners.keys()) await c.query(`LISTEN ${channel}`);
      if (this.#closed) {
        await this.#raw.destroyRawConnection(c);
        return;
      }
      this.#resetAll(); // whatever was read before we listened may have changed unnoticed
      this.#conn = c;
      this.#retryMs = 500;
    } catch (err) {
      this.onError(err);
      if (conn) await this.#raw.destroyRawConnection(conn).catch(() => {});
      this.#retry();
    }
  }

  #lost(conn: PgListenConnection): void {
    if (this.#conn !== conn) return;
    this.#conn = undefined;
    this.#resetAll();
    void this.#raw.destroyRawConnection(conn).catch(() => {});
    this.#retry();
  }

  #retry(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => { this.#timer = undefined; this.start(); }, this.#retryMs);
    this.#timer.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
  }

  #resetAll(): void {
    for (const set of this.#listeners.values()) for (const l of set) l.reset();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const conn = this.#conn;
    this.#conn = undefined;
    this.#resetAll();
    if (conn) await this.#raw.destroyRawConnection(conn).catch(() => {});
  }
}
