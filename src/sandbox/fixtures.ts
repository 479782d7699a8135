/**
 * Seeded test identities of the sandbox authority (fixtures.json), validated on load so that a
 * bad edit fails loudly instead of making every check a mismatch.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { luhnValid } from '../identity/bank-card.ts';
import { parseCreditCode } from '../identity/credit-code.ts';
import { parseIdNumber } from '../identity/id-number.ts';

// Check characters are verified with the identity module's own parsers, so that the sandbox and
// the product agree on what a valid number is.
const idNumber = z.string().refine((v) => { const r = parseIdNumber(v); return r.ok && r.value.number === v; }, 'invalid ID number');
const creditCode = z.string().refine((v) => { const r = parseCreditCode(v); return r.ok && r.value.code === v; }, 'invalid credit code');
const cardNumber = z.string().refine(luhnValid, 'invalid bank card number');

const person = z.object({
  name: z.string().min(1),
  idNumber,
  gender: z.enum(['male', 'female']),
  mobiles: z.array(z.object({ number: z.string(), carrier: z.enum(['china_mobile', 'china_unicom', 'china_telecom']) })),
  bankCards: z.array(z.object({ number: cardNumber, bank: z.string(), reservedMobile: z.string() })),
  insuredStatus: z.enum(['active', 'suspended', 'none']),
  /** A selfie "matches" when its decoded payload contains this token. */
  faceToken: z.string().min(8),
});

const fixturesSchema = z.object({
  apps: z.array(z.object({ appId: z.string().min(1), secret: z.string().min(8) })),
  people: z.array(person),
  enterprises: z.array(
    z.object({
      creditCode,
      name: z.string().min(1),
      legalRepresentativeIdNumber: idNumber,
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
