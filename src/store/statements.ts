/**
 * Named prepared statements for the handful of queries that run on every token request.
 * Measured here: the knex query builder costs ~140 µs of CPU per query in this process, a
 * prepared statement through the pg driver ~27 µs, and PostgreSQL skips the parse and plan as
 * well. On PostgreSQL they go over the process's pipelined connections (pipeline.ts); on the
 * embedded database, which serves every connection from a single session (so a statement name
 * prepared by one would collide with another's), they run unnamed on knex's pool. Everything
 * else keeps using knex.
 */
import type { Knex } from 'knex';
import type { PipelinedConnections, StatementResult } from './pipeline.ts';

export type { StatementResult } from './pipeline.ts';

interface PgConnection {
  query<R>(config: { text: string; values: unknown[] }): Promise<StatementResult<R>>;
}

interface KnexPool {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(conn: PgConnection): Promise<void>;
}

const pipelines = new WeakMap<Knex, PipelinedConnections>();

/** Statements made with `knex` go over `connections` (db.ts, for PostgreSQL). */
export function usePipeline(knex: Knex, connections: PipelinedConnections): void {
  pipelines.set(knex, connections);
}

export class Statements {
  readonly #pool: KnexPool;

  readonly #pipeline: PipelinedConnections | undefined;

  constructor(knex: Knex) {
    this.#pool = knex.client as KnexPool;
    this.#pipeline = pipelines.get(knex);
  }

  /**
   * Runs `text` as the prepared statement `name` (prepared once per connection by the driver).
   * A name must always carry the same text.
   */
  async run<R = Record<string, unknown>>(name: string, text: string, values: unknown[]): Promise<StatementResult<R>> {
    if (this.#pipeline) return this.#pipeline.query<R>({ name, text, values });
    const conn = await this.#pool.acquireConnection();
    try {
      return await conn.query<R>({ text, values });
    } finally {
      await this.#pool.releaseConnection(conn);
    }
  }
}
