/**
 * The load generator, a process of its own so its CPU is not the server's: takes one job from
 * the parent over IPC, runs the warm-up and the measured window, answers with the figures.
 */
import autocannon, { type RequestSpec } from 'autocannon';
import { runChains } from './chains.ts';
import type { CannonJob, Job } from './jobs.ts';
import type { Measured } from './stats.ts';

async function cannon(job: CannonJob, duration: number): Promise<Measured> {
  let next = 0;
  const pick = (pool: string[]) => pool[next++ % pool.length]!;
  const request: RequestSpec = { method: job.method, path: job.path, headers: job.headers, ...(job.body ? { body: job.body } : {}) };
  if (job.bearer) {
    const pool = job.bearer;
    request.setupRequest = (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${pick(pool)}` } });
  } else if (job.introspect) {
    const pool = job.introspect;
    request.setupRequest = (req) => ({ ...req, body: new URLSearchParams({ token: pick(pool) }).toString() });
  }
  const result = await autocannon({ url: job.origin, connections: job.connections, duration, requests: [request] });
  const ok = result['2xx'];
  return {
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    count: ok,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function run(job: Job): Promise<Measured> {
  if (job.kind !== 'cannon') return runChains(job);
  if (job.warmup > 0) await cannon(job, job.warmup);
  return cannon(job, job.duration);
}

process.once('message', (job: Job) => {
  process.send!({ started: true }); // the parent times its CPU samples from here
  run(job).then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (err: Error) => process.send!({ ok: false, error: err.stack ?? err.message }, () => process.exit(1)),
  );
});
