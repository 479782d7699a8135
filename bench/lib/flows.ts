/**
 * The HTTP round trips a relying platform and a browser make, written out by hand (no library in
 * the measured path): authorization request with PKCE, the login and consent pages, the token
 * exchange. Used to set up sessions and tokens and inside the code_flow and login chains.
 */
import { createHash, randomBytes } from 'node:crypto';
import { basic, location, type Conn, type Reply } from './http.ts';

export interface BenchClient { clientId: string; clientSecret: string; redirectUri: string }
export interface Credentials { identifier: string; password: string }

const b64u = (n: number) => randomBytes(n).toString('base64url');

export function authorizeRequest(client: BenchClient, scope: string, extra: Record<string, string> = {}) {
  const verifier = b64u(32);
  const state = b64u(12);
  const query = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    response_type: 'code',
    scope,
    state,
    nonce: b64u(12),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...extra,
  });
  return { path: `/auth?${query}`, verifier, state };
}

const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];

/** The code from a redirect to the platform, checking state (the platform's own duty). */
export function codeFrom(url: URL, client: BenchClient, state: string): string {
  if (!url.toString().startsWith(client.redirectUri)) throw new Error(`unexpected redirect ${url.pathname}`);
  const code = url.searchParams.get('code');
  if (!code || url.searchParams.get('state') !== state) throw new Error(`no code in redirect: ${url.search}`);
  return code;
}

/** Follows provider redirects; returns the platform redirect or the page the browser stops at. */
async function follow(conn: Conn, first: Reply): Promise<{ redirect?: URL; page?: { path: string; html: string } }> {
  let reply = first;
  let path = '';
  for (let hops = 0; hops < 10; hops++) {
    if (reply.status < 300 || reply.status >= 400) return { page: { path, html: reply.body } };
    const to = location(reply, conn.origin);
    if (to.origin !== conn.origin) return { redirect: to };
    path = to.pathname + to.search;
    reply = await conn.request('GET', path, { headers: { accept: 'text/html' } });
  }
  throw new Error('too many redirects');
}

/** Browser side of a login: authorize → login page → (consent) → code; returns the code. */
export async function browserLogin(conn: Conn, client: BenchClient, who: Credentials, scope: string, extra: Record<string, string> = {}) {
  const req = authorizeRequest(client, scope, extra);
  let step = await follow(conn, await conn.request('GET', req.path, { headers: { accept: 'text/html' } }));
  for (let pages = 0; pages < 4 && !step.redirect; pages++) {
    const { path, html } = step.page!;
    const csrf = hidden(html, '_csrf');
    const uid = /\/interaction\/([^/?]+)/.exec(path)?.[1];
    if (!csrf || !uid) throw new Error(`unexpected page ${path}: ${html.slice(0, 200)}`);
    const isLogin = html.includes(`/interaction/${uid}/login`);
    const form: Record<string, string> = isLogin ? { _csrf: csrf, identifier: who.identifier, password: who.password } : { _csrf: csrf };
    const action = isLogin ? 'login' : 'confirm';
    step = await follow(conn, await conn.request('POST', `/interaction/${uid}/${action}`, { form, headers: { accept: 'text/html' } }));
  }
  if (!step.redirect) throw new Error('login did not finish');
  return { code: codeFrom(step.redirect, client, req.state), verifier: req.verifier };
}

export interface TokenSet { access_token: string; refresh_token?: string; id_token?: string }

export async function exchangeCode(conn: Conn, client: BenchClient, code: string, verifier: string): Promise<TokenSet> {
  const reply = await conn.request('POST', '/token', {
    headers: { authorization: basic(client.clientId, client.clientSecret), accept: 'application/json' },
    form: { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: verifier },
  });
  if (reply.status !== 200) throw new Error(`token exchange failed ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body) as TokenSet;
}

/** A prepared login: the interaction page has been served, so only the login POST remains. */
export interface PreparedLogin { cookies: Array<[string, string]>; uid: string; csrf: string }

export async function prepareLogin(conn: Conn, client: BenchClient, scope = 'openid'): Promise<PreparedLogin> {
  conn.cookies.clear();
  const req = authorizeRequest(client, scope);
  const step = await follow(conn, await conn.request('GET', req.path, { headers: { accept: 'text/html' } }));
  const page = step.page;
  const uid = page && /\/interaction\/([^/?]+)/.exec(page.path)?.[1];
  const csrf = page && hidden(page.html, '_csrf');
  if (!uid || !csrf) throw new Error(`no login page: ${page?.html.slice(0, 200)}`);
  return { cookies: [...conn.cookies], uid, csrf };
}
