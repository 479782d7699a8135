/**
 * Seeded test identities of the sandbox authority (fixtures.json), validated on load so that a
 * bad edit fails loudly instead of making every check a mismatch.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const person = z.object({
  name: z.string().min(1),
  idNumber: z.string().regex(/^\d{17}[\dX]$/),
  gender: z.enum(['male', 'female']),
  mobiles: z.array(z.object({ number: z.string(), carrier: z.enum(['china_mobile', 'china_unicom', 'china_telecom']) })),
  bankCards: z.array(z.object({ number: z.string(), bank: z.string(), reservedMobile: z.string() })),
  insuredStatus: z.enum(['active', 'suspended', 'none']),
  /** A selfie "matches" when its decoded payload contains this token. */
  faceToken: z.string().min(8),
});

const fixturesSchema = z.object({
  apps: z.array(z.object({ appId: z.string().min(1), secret: z.string().min(8) })),
  people: z.array(person),
  enterprises: z.array(
    z.object({
      creditCode: z.string().length(18),
      name: z.string().min(1),
      legalRepresentativeIdNumber: z.string(),
      status: z.enum(['active', 'revoked', 'cancelled']),
    }),
  ),
  operators: z.array(z.object({ operatorId: z.string(), officeId: z.string(), name: z.string() })),
});

export type SandboxFixtures = z.infer<typeof fixturesSchema>;
export type SandboxPerson = SandboxFixtures['people'][number];
export type SandboxEnterprise = SandboxFixtures['enterprises'][number];

export const FIXTURES_PATH = new URL('./fixtures.json', import.meta.url);

export function loadFixtures(path: URL | string = FIXTURES_PATH): SandboxFixtures {
  return fixturesSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}
