/** The measured workloads, described once and run against Yihao and against the bare ceiling. */
import type { BenchClient, PreparedLogin } from './flows.ts';
import { basic } from './http.ts';
import type { Job, Timing } from './jobs.ts';

export const TOKEN_SCENARIOS = ['client_credentials', 'refresh', 'userinfo', 'introspection', 'code_flow'] as const;
export type TokenScenario = (typeof TOKEN_SCENARIOS)[number];
/** Diagnostic only (BENCH_ONLY=jwks): the fixed cost of a request that touches no state. */
export type Scenario = TokenScenario | 'jwks';

export interface Inputs {
  cc: BenchClient;
  web: BenchClient;
  accessTokens: string[];
  refreshTokens: string[];
  sessions: Array<Array<[string, string]>>;
}

const FORM = 'application/x-www-form-urlencoded';

export function tokenJob(name: Scenario, t: Timing, i: Inputs): Job {
  switch (name) {
    case 'jwks':
      return { ...t, kind: 'cannon', method: 'GET', path: '/jwks', headers: {} };
    case 'client_credentials':
      return { ...t, kind: 'cannon', method: 'POST', path: '/token', headers: { authorization: basic(i.cc.clientId, i.cc.clientSecret), 'content-type': FORM }, body: 'grant_type=client_credentials&scope=api' };
    case 'userinfo':
      return { ...t, kind: 'cannon', method: 'GET', path: '/me', headers: {}, bearer: i.accessTokens };
    case 'introspection':
      return { ...t, kind: 'cannon', method: 'POST', path: '/token/introspection', headers: { authorization: basic(i.web.clientId, i.web.clientSecret), 'content-type': FORM }, introspect: i.accessTokens };
    case 'refresh':
      // One chain per refresh token: each token is presented exactly once, as rotation demands.
      return { ...t, connections: Math.min(t.connections, i.refreshTokens.length), kind: 'refresh', client: i.web, refreshTokens: i.refreshTokens };
    case 'code_flow':
      return { ...t, connections: Math.min(t.connections, i.sessions.length), kind: 'code_flow', client: i.web, sessions: i.sessions, scope: 'openid profile' };
  }
}

export function loginJob(t: Timing, prepared: PreparedLogin[], identifier: string, password: string, prepareWith?: BenchClient): Job {
  return { ...t, kind: 'login', prepared, identifier, password, ...(prepareWith ? { prepareWith } : {}) };
}

/** Units as printed: every figure but scale_latency is completed operations per second. */
export const UNIT: Record<TokenScenario | 'password_login', string> = {
  client_credentials: 'req/s', refresh: 'req/s', userinfo: 'req/s', introspection: 'req/s', code_flow: 'flows/s', password_login: 'logins/s',
};
