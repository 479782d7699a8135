/** A test server plus a sandbox authority, with helpers to configure channels and fixture people. */
import type { Container } from '../../src/container.ts';
import { loadFixtures, type SandboxPerson } from '../../src/sandbox/fixtures.ts';
import { sandboxAdmin, type SandboxAdmin } from '../../src/sandbox/admin-client.ts';
import { createSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import type { ChannelKind } from '../../src/verification/channel.ts';
import type { ChannelConfigInput } from '../../src/verification/channel-config.ts';
import { APP_B, channel, person as fixturePerson } from '../verification/helpers.ts';
import { PASSWORD } from './identities.ts';
import { startTestServer, type TestServer } from './server.ts';

export interface VerificationWorld {
  server: TestServer;
  c: Container;
  sandbox: SandboxServer;
  admin: SandboxAdmin;
  stop(): Promise<void>;
}

/** `people`: sandbox identities besides the fixture file's (a minor born a computed number of years ago). */
export async function startVerificationWorld(env: Record<string, string> = {}, people: SandboxPerson[] = []): Promise<VerificationWorld> {
  const base = loadFixtures();
  const sandbox = await createSandboxServer({ port: 0, fixtures: { ...base, people: [...base.people, ...people] } });
  const server = await startTestServer(env);
  return {
    server,
    c: server.container,
    sandbox,
    admin: sandboxAdmin(sandbox.url, sandbox.adminToken),
    async stop() {
      await server.stop();
      await sandbox.close();
    },
  };
}

/** Stores one channel on the sandbox (app A unless overridden), as an administrator would. */
export async function addChannel(w: VerificationWorld, kind: ChannelKind, id: string, overrides: Partial<ChannelConfigInput> = {}) {
  return w.c.verification.channels.add(channel(w.sandbox, kind, id, { timeoutMs: 1_000, ...overrides }), 'test');
}

/** Stores two channels of a kind: `${kind}-a` (app A, preferred) and `${kind}-b` (app B). */
export async function addPair(w: VerificationWorld, kind: ChannelKind, a: Partial<ChannelConfigInput> = {}) {
  await addChannel(w, kind, `${kind}-a`, { priority: 1, ...a });
  await addChannel(w, kind, `${kind}-b`, { priority: 2, appId: APP_B.appId, secret: APP_B.secret });
}

/** Registers an account for a sandbox fixture person (their first mobile as the account's). */
export async function registerFixture(c: Container, name: string) {
  const p = fixturePerson(name);
  const res = await c.persons.register({ name: p.name, idNumber: p.idNumber, phone: p.mobiles[0]!.number, password: PASSWORD });
  if (!res.ok || !res.created || !res.personId) throw new Error(`could not register fixture ${name}: ${JSON.stringify(res)}`);
  return { personId: res.personId, fixture: p, password: PASSWORD };
}

/** A base64 "selfie" the sandbox recognises as this fixture person (see PROTOCOLS.md). */
export const selfieOf = (faceToken: string, extra = '') => Buffer.from(`JPEGDATA-${faceToken}-${extra}`, 'latin1');
