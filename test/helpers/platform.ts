/** A relying platform in tests: registered through the client registry, driven by openid-client. */
import * as oidc from 'openid-client';
import type { Container } from '../../src/container.ts';
import type { ClientMetadata } from '../../src/oidc/client-registry.ts';
import type { UserAgent } from './browser.ts';

export interface Platform {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  config: oidc.Configuration;
  /** Starts an authorization request; returns the URL and the values needed to finish it. */
  authorize(params?: Record<string, string>): Promise<{ url: string; verifier: string; state: string; nonce: string }>;
  /** Exchanges the callback URL for tokens, validating state, nonce, PKCE, iss and the ID token. */
  finish(callback: string, started: { verifier: string; state: string; nonce: string }): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers>;
}

let n = 0;

export async function registerPlatform(c: Container, issuer: string, metadata: ClientMetadata = {}): Promise<Platform> {
  n += 1;
  const redirectUri = `http://127.0.0.1:9/cb/${n}`;
  const { clientId, generatedSecret } = await c.clients.add({ client_name: `平台 ${n}`, redirect_uris: [redirectUri], post_logout_redirect_uris: [`http://127.0.0.1:9/bye/${n}`], ...metadata });
  const config = await oidc.discovery(new URL(issuer), clientId, generatedSecret, undefined, { execute: [oidc.allowInsecureRequests] });
  return {
    clientId,
    clientSecret: generatedSecret!,
    redirectUri,
    config,
    async authorize(params = {}) {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...params,
      });
      return { url: url.toString(), verifier, state, nonce };
    },
    finish(callback, started) {
      return oidc.authorizationCodeGrant(config, new URL(callback), {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
        expectedNonce: started.nonce,
      });
    },
  };
}

/** Logs in through the pages: authorize → login form → (consent) → callback URL. */
export async function loginThrough(ua: UserAgent, url: string, identifier: string, password: string, consent = true): Promise<string> {
  const login = await ua.page(url);
  const after = await ua.submit(login, '/login', { identifier, password });
  if ('redirect' in after) return after.redirect;
  if (consent && after.html.includes('/confirm')) {
    const done = await ua.submit(after, '/confirm');
    if ('redirect' in done) return done.redirect;
    throw new Error(`consent did not redirect: ${done.html.slice(0, 300)}`);
  }
  throw new Error(`login did not complete: ${after.status} ${after.html.slice(0, 400)}`);
}

/** A login asking for offline_access (a refresh token), which needs prompt=consent. */
export async function offlineLogin(p: Platform, ua: UserAgent, identifier: string, password: string) {
  const start = await p.authorize({ scope: 'openid profile offline_access', prompt: 'consent' });
  const tokens = await p.finish(await loginThrough(ua, start.url, identifier, password), start);
  if (!tokens.refresh_token) throw new Error('no refresh token issued');
  return tokens;
}
