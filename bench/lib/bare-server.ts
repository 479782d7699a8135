/**
 * The ceiling: oidc-provider 9 with its own in-memory adapter and Yihao's provider configuration
 * (same token formats, signing keys and algorithms, lifetimes, PKCE, rotation), no database, no
 * koa app around it, the same number of worker processes. Each worker loads the same seed rows
 * (the sessions, grants and tokens the bench prepared), so any worker can serve the first request
 * of a chain; everything issued afterwards lives only in the worker that issued it, which is why
 * the chains keep one connection each.
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { Adapter, AdapterPayload, FindAccount } from 'oidc-provider';
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';
import { loadConfig } from '../../src/config.ts';
import { keyRetentionSeconds } from '../../src/container.ts';
import { loadSigningKeys, providerJwks } from '../../src/crypto/signing-keys.ts';
import type { ActingRoles } from '../../src/identity/acting-roles.ts';
import type { PersonRoles } from '../../src/identity/person-roles.ts';
import { buildProvider } from '../../src/oidc/provider.ts';

export interface BareSeed {
  clients: Array<Record<string, unknown> & { client_id: string }>;
  models: Array<{ model: string; id: string; payload: unknown; expiresIn: number }>;
}

const config = loadConfig(process.env);

async function worker(): Promise<void> {
  const seed = JSON.parse(readFileSync(process.env.BARE_SEED!, 'utf8')) as BareSeed;
  const clients = new Map(seed.clients.map((c) => [c.client_id, c]));
  const memory = createMemoryAdapter();
  const clientAdapter = { find: async (id: string) => clients.get(id) as AdapterPayload | undefined } as unknown as Adapter;
  const adapter = class {
    constructor(name: string) { return name === 'Client' ? clientAdapter : memory(name); }
  } as unknown as new (name: string) => Adapter;
  // Claims come from memory too: the ceiling does no database or decryption work at all.
  const findAccount: FindAccount = async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, name: '张三', phone_number: '+8613900001234', phone_number_verified: false }),
  });
  const jwks = providerJwks(loadSigningKeys(config.keysDir, keyRetentionSeconds(config)));
  // Nobody acts for an enterprise in the bench, and the ceiling has no database to ask.
  const actingRoles = { rolesFor: async () => [], select: async () => null, current: async () => null, sweep: async () => 0 } as unknown as ActingRoles;
  const personRoles = { rolesFor: async () => [], select: async () => null, current: async () => null, sweep: async () => 0 } as unknown as PersonRoles;
  const provider = buildProvider({ config, jwks, adapter, findAccount, actingRoles, personRoles });
  for (const row of seed.models) await new adapter(row.model).upsert(row.id, row.payload as AdapterPayload, row.expiresIn);
  const server = http.createServer(provider.callback());
  server.keepAliveTimeout = 65_000;
  server.listen(config.port, config.host);
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

if (cluster.isPrimary) {
  for (let i = 0; i < config.workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  });
} else {
  worker().catch((err) => { console.error(err); process.exit(1); });
}
