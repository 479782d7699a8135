import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../helpers/browser.ts';
import { freePort, testEnv, throwawayDatabase, tmpDir } from '../helpers/env.ts';
import { idNumber, phone, PASSWORD } from '../helpers/identities.ts';
import { loginThrough } from '../helpers/platform.ts';
import { runCli, startProcess } from '../helpers/processes.ts';

// The operator's command line against a running server (`npm start`): on PGlite the CLI joins the
// server's embedded database through its socket instead of opening the files a second time.
let env: Record<string, string>;
let server: Awaited<ReturnType<typeof startProcess>>;
let drop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const port = await freePort();
  const db = process.env.DATABASE_URL ? await throwawayDatabase(process.env.DATABASE_URL) : undefined;
  drop = db?.drop;
  env = testEnv(tmpDir(), port, db ? { DATABASE_URL: db.url } : {});
  if (db) expect((await runCli(['migrate'], env)).code).toBe(0);
  server = await startProcess({ ...env, WORKERS: '1' });
}, 90_000);
afterAll(async () => {
  await server?.stop();
  await drop?.();
});

describe('npm run cli', () => {
  it('adds a person from the command line, reading the password from stdin', async () => {
    const id = idNumber();
    const ok = await runCli(['person', 'add', '--name', '李四', '--id-number', id, '--phone', phone(), '--password-stdin'], env, `${PASSWORD}\n`);
    expect(ok.stderr).not.toMatch(/error/i);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^person_id: [0-9a-f-]{36}/);
    expect(ok.stdout + ok.stderr).not.toContain(id);

    const again = await runCli(['person', 'add', '--name', '李四', '--id-number', id, '--phone', phone(), '--password-stdin'], env, PASSWORD);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });

  it('refuses invalid fields with a clear message and a non-zero status', async () => {
    const bad = await runCli(['person', 'add', '--name', 'x', '--id-number', '110105194912310021', '--phone', '123', '--password-stdin'], env, 'short');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid idNumber');
    expect(bad.stderr).toContain('id_number.checksum');
    expect(bad.stderr).toContain('invalid phone');
    expect(bad.stderr).toContain('invalid name');
    expect(bad.stderr).toContain('password.too_short');
    const usage = await runCli(['person', 'add', '--name', '王五'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--password-stdin');
  });

  it('registers, shows, updates and removes a platform that then logs a citizen in', async () => {
    const added = await runCli(['client', 'add', '--client-name', '政务服务网', '--redirect-uri', 'http://127.0.0.1:9/cb', '--post-logout-redirect-uri', 'http://127.0.0.1:9/bye', '--first-party', '--json'], env);
    expect(added.code).toBe(0);
    const { client_id: clientId, client_secret: secret } = JSON.parse(added.stdout);
    expect(secret.length).toBeGreaterThanOrEqual(43);

    const shown = await runCli(['client', 'show', clientId], env);
    expect(shown.stdout).toContain('client_name: "政务服务网"');
    expect(shown.stdout).not.toContain(secret); // printed once, never again

    const list = await runCli(['client', 'list'], env);
    expect(list.stdout).toContain(clientId);

    const id = idNumber();
    expect((await runCli(['person', 'add', '--name', '赵六', '--id-number', id, '--phone', phone(), '--password-stdin'], env, PASSWORD)).code).toBe(0);
    const config = await oidc.discovery(new URL(env.ISSUER!), clientId, secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: 'http://127.0.0.1:9/cb', scope: 'openid profile', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 'st' });
    const callback = await loginThrough(new UserAgent(env.ISSUER!), url.toString(), id, PASSWORD, false);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: 'st' });
    expect((await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).name).toBe('赵六');

    const updated = await runCli(['client', 'update', clientId, '--redirect-uri', 'http://127.0.0.1:9/cb2', '--rotate-secret'], env);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain('redirect_uris: http://127.0.0.1:9/cb2');
    const newSecret = /client_secret: (\S+)/.exec(updated.stdout)![1];
    expect(newSecret).not.toBe(secret);
    await expect(oidc.tokenIntrospection(config, 'x')).rejects.toMatchObject({ error: 'invalid_client' });

    expect((await runCli(['client', 'remove', clientId], env)).code).toBe(0);
    const gone = await runCli(['client', 'show', clientId], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('client.not_found');
  });

  it('rejects invalid client metadata with the reason', async () => {
    const res = await runCli(['client', 'add', '--redirect-uri', 'not a url'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/redirect_uris/);
  });

  it('rotates signing keys: the running server signs with the new key and still publishes the old one', async () => {
    const kids = async () => ((await (await fetch(`${env.ISSUER}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
    const before = await kids();
    const rotated = await runCli(['keys', 'rotate', '--alg', 'ES256'], env);
    expect(rotated.code).toBe(0);
    const newKid = /new active key (\S+) \(ES256\)/.exec(rotated.stdout)![1]!;
    await expect.poll(kids, { timeout: 15_000, interval: 500 })
      .toEqual(expect.arrayContaining([newKid, ...before]));

    const added = JSON.parse((await runCli(['client', 'add', '--grant-type', 'client_credentials', '--scope', 'api', '--json'], env)).stdout);
    const config = await oidc.discovery(new URL(env.ISSUER!), added.client_id, added.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'api' });
    expect(decodeProtectedHeader(access_token).kid).toBe(newKid);
  }, 90_000);
});

describe('npm run cli on a fresh embedded database, before the first npm start', () => {
  // Always the embedded database (no DATABASE_URL), whatever the suite runs on.
  const freshEnv = (extra: Record<string, string> = {}) => {
    const { DATABASE_URL: _ignored, ...rest } = testEnv(tmpDir(), 3999, extra);
    return rest;
  };

  it('development: applies the migrations itself, then registers the platform', async () => {
    const fresh = freshEnv();
    const added = await runCli(['client', 'add', '--client-name', '首个平台', '--redirect-uri', 'http://127.0.0.1:9/cb', '--minimum-acr', 'urn:yihao:loa:2', '--json'], fresh);
    expect(added.stderr).toContain('applied migrations');
    expect(added.code).toBe(0);
    const { client_id: clientId } = JSON.parse(added.stdout);
    const shown = await runCli(['client', 'show', clientId, '--json'], fresh);
    expect(shown.code).toBe(0);
    expect(shown.stderr).not.toContain('applied migrations');
    expect(JSON.parse(shown.stdout).metadata).toMatchObject({ client_name: '首个平台', minimum_acr: 'urn:yihao:loa:2' });
  }, 60_000);

  it('production: refuses, naming npm run migrate; after it the command works', async () => {
    const { ALLOW_LOOPBACK_FETCH: _loopback, ...prod } = freshEnv({ NODE_ENV: 'production', ISSUER: 'https://id.example.gov.cn' });
    const refused = await runCli(['client', 'list'], prod);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('npm run migrate');
    expect(refused.stderr).not.toMatch(/relation .* does not exist/);
    expect((await runCli(['migrate'], prod)).code).toBe(0);
    const listed = await runCli(['client', 'list'], prod);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
  }, 60_000);
});
