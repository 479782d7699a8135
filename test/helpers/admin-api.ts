/** Admin API clients in tests: client_credentials tokens for urn:yihao:admin, JSON calls. */
import * as oidc from 'openid-client';
import type { ClientMetadata } from '../../src/oidc/client-registry.ts';
import type { TestServer } from './server.ts';

export interface AdminClient { clientId: string; token: string }

/** Registers an automation client with `scope` (from the registry, as the CLI does) and gets a token. */
export async function adminClient(server: TestServer, scope: string, metadata: ClientMetadata = {}): Promise<AdminClient> {
  const { clientId, generatedSecret } = await server.container.clients.add({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope, ...metadata });
  const config = await oidc.discovery(new URL(server.issuer), clientId, generatedSecret, undefined, { execute: [oidc.allowInsecureRequests] });
  return { clientId, token: (await oidc.clientCredentialsGrant(config, { scope, resource: 'urn:yihao:admin' })).access_token };
}

export interface Answer { status: number; body: any; headers: Headers }

/** A JSON call to the admin API; `token` undefined sends none. */
export async function api(server: TestServer, method: string, path: string, token: string | undefined, body?: unknown): Promise<Answer> {
  const res = await fetch(`${server.issuer}${path}`, {
    method: method.toUpperCase(),
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), 'user-agent': 'yihao-tests/1' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { /* CSV, JSON lines */ }
  return { status: res.status, body: parsed, headers: res.headers };
}
