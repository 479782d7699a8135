import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, testEnv, throwawayDatabase, tmpDir } from '../helpers/env.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.ts';
import { runCli, startProcess } from '../helpers/processes.ts';

// `npm start` with two workers (PostgreSQL only: the embedded database is single-process):
// whichever worker takes the scrape answers with the sum over both.
describe.runIf(process.env.DATABASE_URL)('/metrics with WORKERS=2', () => {
  let env: Record<string, string>;
  let server: Awaited<ReturnType<typeof startProcess>>;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const db = await throwawayDatabase(process.env.DATABASE_URL!);
    drop = db.drop;
    env = testEnv(tmpDir(), await freePort(), { DATABASE_URL: db.url, WORKERS: '2' });
    expect((await runCli(['migrate'], env)).code).toBe(0);
    server = await startProcess(env);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await drop?.();
  });

  it('aggregates every worker\'s counters', async () => {
    const scrapeHealthz = async () => sampleValue(parsePrometheus(await (await fetch(`${env.ISSUER}/metrics`)).text()).samples, 'yihao_http_requests_total', { route: '/healthz' });
    const before = await scrapeHealthz();
    // New connections each time, so the kernel spreads them over both workers.
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${env.ISSUER}/healthz`, { headers: { Connection: 'close' } });
      expect(res.status).toBe(200);
    }
    const text = await (await fetch(`${env.ISSUER}/metrics`)).text();
    const { samples } = parsePrometheus(text);
    expect(sampleValue(samples, 'yihao_http_requests_total', { route: '/healthz' }) - before).toBe(40);
    expect(await scrapeHealthz()).toBe(before + 40);
  }, 60_000);
});
