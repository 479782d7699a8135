/** Load jobs the bench sends to its load-generator process (bench/lib/load-worker.ts). */
import type { BenchClient, PreparedLogin } from './flows.ts';

export interface Timing { origin: string; connections: number; warmup: number; duration: number }

/** One request repeated by autocannon; `bearer`/`introspect` rotate through a token pool. */
export interface CannonJob extends Timing {
  kind: 'cannon';
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  bearer?: string[];
  introspect?: string[];
}

/** Chained requests (each uses the previous answer), one pinned connection per chain. */
export type ChainJob = Timing & (
  | { kind: 'refresh'; client: BenchClient; refreshTokens: string[] }
  | { kind: 'code_flow'; client: BenchClient; sessions: Array<Array<[string, string]>>; scope: string }
  /** `prepareWith`: when the prepared pool runs dry, fetch the interaction page inline (soak). */
  | { kind: 'login'; prepared: PreparedLogin[]; identifier: string; password: string; prepareWith?: BenchClient }
);

export type Job = CannonJob | ChainJob;
