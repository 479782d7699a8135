/**
 * Chained load: each chain owns one kept-alive connection and repeats a step that depends on the
 * previous answer (a rotated refresh token, a fresh PKCE pair per round trip, one prepared
 * interaction per login). Only steps finished inside the measuring window count.
 */
import { authorizeRequest, codeFrom, prepareLogin } from './flows.ts';
import { basic, Conn, location } from './http.ts';
import type { ChainJob } from './jobs.ts';
import { summarise, type Measured } from './stats.ts';

type Step = () => Promise<void>;

function stepsFor(job: ChainJob, conn: Conn, index: number): Step | undefined {
  if (job.kind === 'refresh') {
    let token = job.refreshTokens[index];
    if (!token) return undefined;
    const auth = basic(job.client.clientId, job.client.clientSecret);
    return async () => {
      const r = await conn.request('POST', '/token', { headers: { authorization: auth }, form: { grant_type: 'refresh_token', refresh_token: token! } });
      if (r.status !== 200) throw new Error(`refresh ${r.status}: ${r.body.slice(0, 200)}`);
      const next = (JSON.parse(r.body) as { refresh_token?: string }).refresh_token;
      if (!next || next === token) throw new Error('refresh token was not rotated');
      token = next;
    };
  }
  if (job.kind === 'code_flow') {
    const session = job.sessions[index % job.sessions.length];
    if (!session) return undefined;
    for (const [k, v] of session) conn.cookies.set(k, v);
    const auth = basic(job.client.clientId, job.client.clientSecret);
    return async () => {
      const req = authorizeRequest(job.client, job.scope);
      const a = await conn.request('GET', req.path, { headers: { accept: 'text/html' } });
      if (a.status !== 303 && a.status !== 302) throw new Error(`authorize ${a.status}: ${a.body.slice(0, 200)}`);
      const code = codeFrom(location(a, conn.origin), job.client, req.state);
      const t = await conn.request('POST', '/token', {
        headers: { authorization: auth },
        form: { grant_type: 'authorization_code', code, redirect_uri: job.client.redirectUri, code_verifier: req.verifier },
      });
      if (t.status !== 200 || !t.body.includes('"id_token"')) throw new Error(`token ${t.status}: ${t.body.slice(0, 200)}`);
    };
  }
  const pool = job.prepared;
  return async () => {
    const p = pool.pop() ?? (job.prepareWith ? await prepareLogin(conn, job.prepareWith) : undefined);
    if (!p) throw new Error('ran out of prepared interactions');
    conn.cookies.clear();
    for (const [k, v] of p.cookies) conn.cookies.set(k, v);
    const r = await conn.request('POST', `/interaction/${p.uid}/login`, {
      headers: { accept: 'text/html' },
      form: { _csrf: p.csrf, identifier: job.identifier, password: job.password },
    });
    if (r.status !== 303 || !String(r.headers.location).includes(`/auth/${p.uid}`)) throw new Error(`login ${r.status}: ${r.body.slice(0, 200)}`);
    // Soak: finish the authorization too, so every login leaves a new SSO session behind.
    if (job.prepareWith) await conn.request('GET', location(r, conn.origin).pathname, { headers: { accept: 'text/html' } });
  };
}

export async function runChains(job: ChainJob): Promise<Measured> {
  const start = performance.now();
  const measureFrom = start + job.warmup * 1000;
  const stopAt = measureFrom + job.duration * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;

  async function chain(index: number) {
    const conn = new Conn(job.origin);
    const step = stepsFor(job, conn, index);
    if (!step) return;
    try {
      while (performance.now() < stopAt) {
        const t0 = performance.now();
        try {
          await step();
          const t1 = performance.now();
          if (t0 >= measureFrom && t1 <= stopAt) latencies.push(t1 - t0);
        } catch (err) {
          errors += 1;
          firstError ??= (err as Error).message;
          // A broken chain (revoked token, lost session) cannot continue meaningfully.
          if (job.kind !== 'login' || (err as Error).message.startsWith('ran out')) return;
        }
      }
    } finally {
      conn.close();
    }
  }

  await Promise.all(Array.from({ length: job.connections }, (_, i) => chain(i)));
  return summarise(latencies, job.duration, errors, firstError);
}
