/** Shared set-up for the verification tests: a sandbox on a free port and channel configs for it. */
import { sandboxAdmin, type SandboxAdmin } from '../../src/sandbox/admin-client.ts';
import { loadFixtures } from '../../src/sandbox/fixtures.ts';
import { createSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import type { ChannelConfig, ChannelKind } from '../../src/verification/channel.ts';
import { parseChannelConfig, type ChannelConfigInput } from '../../src/verification/channel-config.ts';
import { ChannelRegistry, type ChannelRegistryOptions } from '../../src/verification/channel-registry.ts';
import { hmacHasher, MemoryEvidenceSink } from '../../src/verification/evidence.ts';

export const fixtures = loadFixtures();
const [appA, appB] = fixtures.apps;
if (!appA || !appB) throw new Error('fixtures need two apps');
export const APP_A = appA;
export const APP_B = appB;

export function person(name: string) {
  const p = fixtures.people.find((x) => x.name === name);
  if (!p) throw new Error(`no fixture person ${name}`);
  return p;
}

export interface Harness {
  sandbox: SandboxServer;
  admin: SandboxAdmin;
}

export async function startSandbox(): Promise<Harness> {
  const sandbox = await createSandboxServer({ port: 0 });
  return { sandbox, admin: sandboxAdmin(sandbox.url, sandbox.adminToken) };
}

/** A channel on the sandbox with test-friendly limits (200 ms timeout, no retries). */
export function channel(
  sandbox: SandboxServer,
  kind: ChannelKind,
  id: string,
  overrides: Partial<ChannelConfigInput> = {},
): ChannelConfig {
  return parseChannelConfig({
    id,
    kind,
    name: `${kind} via ${id}`,
    baseUrl: sandbox.url,
    appId: APP_A.appId,
    secret: APP_A.secret,
    priority: 10,
    timeoutMs: 200,
    maxRetries: 0,
    ...overrides,
  });
}

/** Two channels of one kind on the same sandbox, told apart by app id: a (preferred) and b. */
export function pair(sandbox: SandboxServer, kind: ChannelKind, a: Partial<ChannelConfigInput> = {}): ChannelConfig[] {
  return [
    channel(sandbox, kind, `${kind}-a`, { priority: 1, ...a }),
    channel(sandbox, kind, `${kind}-b`, { priority: 2, appId: APP_B.appId, secret: APP_B.secret }),
  ];
}

export function registry(configs: ChannelConfig[], opts: Partial<ChannelRegistryOptions> = {}) {
  const evidence = new MemoryEvidenceSink();
  const reg = new ChannelRegistry({
    evidence,
    hash: hmacHasher('test-blind-index-key'),
    client: { retryBaseDelayMs: 5 },
    ...opts,
  });
  reg.replaceAll(configs);
  return { registry: reg, evidence };
}

/** Expects a promise to reject with an AppError of this code; returns the error. */
export async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<{ code: string; kind: string; details?: unknown }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: string; kind?: string; details?: unknown };
    if (e.code !== code) throw new Error(`expected ${code}, got ${String(e.code)} (${String(err)})`);
    return e as { code: string; kind: string; details?: unknown };
  }
  throw new Error(`expected rejection with ${code}`);
}

export const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
