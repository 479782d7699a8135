/** A relying platform in tests: registered through the client registry, driven by openid-client. */
import * as oidc from 'openid-client';
import type { Container } from '../../src/container.ts';
import type { ClientMetadata } from '../../src/oidc/client-registry.ts';
import type { Page, UserAgent } from './browser.ts';

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

/** Submits the login form and returns the page the login leads to (a step-up page, consent…). */
export async function loginToPage(ua: UserAgent, url: string, identifier: string, password: string): Promise<Page> {
  const page = await ua.page(url);
  const after = await ua.submit(page, '/login', { identifier, password });
  if ('redirect' in after) throw new Error(`expected a page after login, got ${after.redirect}`);
  return after;
}

/** Consents if asked; returns the callback URL. */
export async function consentIfAsked(ua: UserAgent, result: Page | { redirect: string }): Promise<string> {
  if ('redirect' in result) return result.redirect;
  if (!result.html.includes('/confirm')) throw new Error(`unexpected page ${result.url} (${result.status}): ${result.html.slice(0, 500)}`);
  const done = await ua.submit(result, '/confirm');
  if (!('redirect' in done)) throw new Error(`consent did not finish: ${done.html.slice(0, 300)}`);
  return done.redirect;
}
