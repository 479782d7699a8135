/** Latency probes of the scale run: one request at a time, so they measure latency, not queues. */
import { browserLogin, exchangeCode, prepareLogin, type BenchClient } from './flows.ts';
import { Conn } from './http.ts';
import { summarise, type Measured } from './stats.ts';

type Pick = () => { idNumber: string; phone: string };

/** Login POSTs (the interaction page is fetched first, untimed) for random persons. */
export async function measureLogins(origin: string, client: BenchClient, pick: Pick, password: string, seconds: number): Promise<Measured> {
  const conn = new Conn(origin);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const until = performance.now() + seconds * 1000;
  try {
    for (let n = 0; performance.now() < until; n++) {
      const prepared = await prepareLogin(conn, client);
      const who = pick();
      const t0 = performance.now();
      const r = await conn.request('POST', `/interaction/${prepared.uid}/login`, {
        headers: { accept: 'text/html' },
        // Both ways a person signs in: by ID number and by mobile number.
        form: { _csrf: prepared.csrf, identifier: n % 2 ? who.phone : who.idNumber, password },
      });
      const t1 = performance.now();
      if (r.status === 303 && String(r.headers.location).includes(`/auth/${prepared.uid}`)) latencies.push(t1 - t0);
      else { errors++; firstError ??= `login ${r.status}: ${r.body.slice(0, 200)}`; }
    }
  } finally {
    conn.close();
  }
  return summarise(latencies, seconds, errors, firstError);
}

/** Access tokens of `n` random persons, each from a full login and code exchange. */
export async function tokensFor(origin: string, client: BenchClient, pick: Pick, password: string, n: number): Promise<string[]> {
  const tokens: string[] = [];
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (tokens.length < n) {
      const conn = new Conn(origin);
      try {
        const { code, verifier } = await browserLogin(conn, client, { identifier: pick().idNumber, password }, 'openid profile');
        tokens.push((await exchangeCode(conn, client, code, verifier)).access_token);
      } finally {
        conn.close();
      }
    }
  }));
  return tokens.slice(0, n);
}

/** Userinfo: each token's first call (read from the database), then repeated calls. */
export async function measureUserinfo(origin: string, tokens: string[], seconds: number): Promise<{ cold: Measured; warm: Measured }> {
  const conn = new Conn(origin);
  const call = async (token: string) => {
    const t0 = performance.now();
    const r = await conn.request('GET', '/me', { headers: { authorization: `Bearer ${token}` } });
    if (r.status !== 200) throw new Error(`userinfo ${r.status}: ${r.body.slice(0, 200)}`);
    return performance.now() - t0;
  };
  try {
    const cold: number[] = [];
    const started = performance.now();
    for (const t of tokens) cold.push(await call(t));
    const coldSeconds = (performance.now() - started) / 1000;
    const warm: number[] = [];
    const until = performance.now() + seconds * 1000;
    for (let i = 0; performance.now() < until; i++) warm.push(await call(tokens[i % tokens.length]!));
    return { cold: summarise(cold, coldSeconds, 0), warm: summarise(warm, seconds, 0) };
  } finally {
    conn.close();
  }
}
