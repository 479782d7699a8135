/**
 * A tiny relying platform for browser tests: a real HTTP server using openid-client, with
 * /login (starts the code flow with PKCE) and /cb (finishes it and greets the person).
 */
import http from 'node:http';
import * as oidc from 'openid-client';
import type { Container } from '../../src/container.ts';
import type { ClientMetadata } from '../../src/oidc/client-registry.ts';

export interface RpServer { url: string; clientId: string; close(): Promise<void> }

export async function startRp(c: Container, issuer: string, name: string, metadata: ClientMetadata = {}, scope = 'openid profile'): Promise<RpServer> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const { clientId, generatedSecret } = await c.clients.add({ client_name: name, redirect_uris: [`${url}/cb`], ...metadata });
  const config = await oidc.discovery(new URL(issuer), clientId, generatedSecret, undefined, { execute: [oidc.allowInsecureRequests] });
  const pending = new Map<string, string>(); // state → PKCE verifier

  server.on('request', async (req, res) => {
    try {
      const u = new URL(req.url!, url);
      if (u.pathname === '/login') {
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        pending.set(state, verifier);
        const to = oidc.buildAuthorizationUrl(config, {
          redirect_uri: `${url}/cb`, scope: u.searchParams.get('scope') ?? scope, state,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
        });
        res.writeHead(302, { location: to.toString() }).end();
        return;
      }
      if (u.pathname === '/cb') {
        const state = u.searchParams.get('state')!;
        const tokens = await oidc.authorizationCodeGrant(config, u, { pkceCodeVerifier: pending.get(state)!, expectedState: state });
        const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<h1 id="welcome">${name}: ${String(info.name)}</h1><pre id="claims">${JSON.stringify({ id: tokens.claims(), userinfo: info })}</pre>`);
        return;
      }
      res.writeHead(404).end();
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`rp error: ${(e as Error).message}`);
    }
  });
  return { url, clientId, close: () => new Promise((r) => server.close(() => r())) };
}
