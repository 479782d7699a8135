/**
 * A few PostgreSQL connections per process for the hot prepared statements, in pipeline mode: a
 * statement is sent without waiting for the answers to those before it, and the statements one
 * turn of the event loop sends on a connection leave in a single write. On a machine where the
 * database shares the cores, the write that wakes a sleeping backend costs more CPU than the
 * statement itself (profiles: writev was the largest single item of a token request), and a
 * backend that finds several statements waiting runs them without sleeping in between.
 *
 * Each statement is still its own transaction (a Sync follows every one), so one failing does not
 * touch the others. A statement goes to the connection with the fewest in flight, so a backend
 * waiting on a lock or a disk flush holds up only its own queue. Connections are made on first
 * use and again after they are lost; statements in flight on a lost connection fail.
 */
import net from 'node:net';
import pg from 'pg';

export interface StatementQuery { name?: string; text: string; values: unknown[] }
export interface StatementResult<R> { rows: R[]; rowCount: number | null }

interface Open { client: pg.Client; socket: net.Socket }

class Lane {
  inFlight = 0;
  #open: Promise<Open> | undefined;

  constructor(private readonly config: pg.ClientConfig) {}

  async query<R>(q: StatementQuery): Promise<StatementResult<R>> {
    this.inFlight++;
    const opening = (this.#open ??= this.#connect());
    try {
      const { client, socket } = await opening;
      // Everything sent on this connection until the loop's check phase goes out together.
      if (socket.writableCorked === 0) {
        socket.cork();
        setImmediate(() => socket.uncork());
      }
      return (await client.query(q as pg.QueryConfig)) as unknown as StatementResult<R>;
    } catch (err) {
      // A FATAL error (the backend was terminated, the server is shutting down) comes before the
      // socket closes: the statements that follow must not be sent on that connection.
      if ((err as { severity?: string }).severity === 'FATAL') this.#lost(opening);
      throw err;
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {
    const open = this.#open;
    this.#open = undefined;
    if (open) await open.then(({ client }) => client.end(), () => undefined);
  }

  #connect(): Promise<Open> {
    let socket!: net.Socket;
    const client = new pg.Client({ ...this.config, pipeline: true, stream: () => (socket = new net.Socket()) } as pg.ClientConfig);
    const lost = () => this.#lost(opening);
    client.on('error', lost);
    client.on('end', lost);
    const opening: Promise<Open> = client.connect().then(() => ({ client, socket }), (err: unknown) => { lost(); throw err; });
    return opening;
  }

  #lost(opening: Promise<Open>): void {
    if (this.#open !== opening) return;
    this.#open = undefined;
    opening.then(({ client }) => client.end(), () => undefined).catch(() => undefined);
  }
}

export class PipelinedConnections {
  readonly #lanes: Lane[];
  #closed = false;

  /**
   * A server that accepts the socket but never answers must not hold statements forever: the
   * config carries the connect timeout (10 s unless given) and, from db.ts, statement_timeout and
   * a read timeout, after which pg drops the connection and the lane makes a new one.
   */
  constructor(connection: string | pg.ClientConfig, size: number) {
    const given = typeof connection === 'string' ? { connectionString: connection } : connection;
    const config = { connectionTimeoutMillis: 10_000, ...given };
    this.#lanes = Array.from({ length: Math.max(1, size) }, () => new Lane(config));
  }

  query<R>(q: StatementQuery): Promise<StatementResult<R>> {
    if (this.#closed) return Promise.reject(new Error('the statement connections are closed'));
    let lane = this.#lanes[0]!;
    for (const l of this.#lanes) if (l.inFlight < lane.inFlight) lane = l;
    return lane.query<R>(q);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#lanes.map((l) => l.close()));
  }
}
