import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../helpers/browser.ts';
import { freePort, testEnv, throwawayDatabase, tmpDir } from '../helpers/env.ts';
import { idNumber, phone, PASSWORD } from '../helpers/identities.ts';
import { runCli, startProcess } from '../helpers/processes.ts';

// Two server processes over one database behave as one provider: a login begun at one finishes
// at the other (both share ISSUER, cookie keys, signing keys and every bit of state).
let env: Record<string, string>;
let portB: number;
const servers: Array<Awaited<ReturnType<typeof startProcess>>> = [];
let drop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const portA = await freePort();
  portB = await freePort();
  const db = process.env.DATABASE_URL ? await throwawayDatabase(process.env.DATABASE_URL) : undefined;
  drop = db?.drop;
  env = testEnv(tmpDir(), portA, db ? { DATABASE_URL: db.url, WORKERS: '1' } : {});
  servers.push(await startProcess(env));
  servers.push(await startProcess({ ...env, PORT: String(portB) }));
}, 120_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await drop?.();
});

describe('two server processes', () => {
  it('finishes at process B a login started at process A', async () => {
    const id = idNumber();
    expect((await runCli(['person', 'add', '--name', '钱七', '--id-number', id, '--phone', phone(), '--password-stdin'], env, PASSWORD)).code).toBe(0);
    const { client_id, client_secret } = JSON.parse((await runCli(['client', 'add', '--redirect-uri', 'http://127.0.0.1:9/cb', '--first-party', '--json'], env)).stdout);

    const issuer = env.ISSUER!;
    const atA = new UserAgent(issuer);
    const config = await oidc.discovery(new URL(issuer), client_id, client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: 'http://127.0.0.1:9/cb', scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 'x' });
    const login = await atA.page(url.toString()); // served by A

    // The same browser (same cookies) posts the form to B.
    const atB = new UserAgent(`http://127.0.0.1:${portB}`);
    for (const [k, v] of atA.cookies) atB.cookies.set(k, v);
    const posted = await atB.request(new URL(new URL(login.url).pathname + '/login', `http://127.0.0.1:${portB}`).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(login.html)![1]!, identifier: id, password: PASSWORD }),
    });
    expect(posted.status).toBe(303);
    // The resume URL is on the issuer (A); it completes there with state written by B.
    for (const [k, v] of atB.cookies) atA.cookies.set(k, v);
    const callback = await atA.redirect(posted.headers.get('location')!);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: 'x' });
    expect(tokens.claims()!.sub).toBeTruthy();
  });
});
