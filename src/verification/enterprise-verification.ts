/**
 * Legal persons (法人) through the business registry channel: the credit code, the registered
 * name, and the legal representative's name and ID number must all agree, and the enterprise
 * must be active. The enterprise module calls verifyEnterprise to close a pending
 * legal-representative claim; a mismatch whose `registered.legalRepresentativeName` differs is
 * how a change of representative shows up.
 */
import { parseCreditCode } from '../identity/credit-code.ts';
import { parseIdNumber } from '../identity/id-number.ts';
import { parsePersonName } from '../identity/person-name.ts';
import { AppError } from '../errors.ts';
import type { BusinessRegistryResponse } from './channel.ts';
import type { ChannelRegistry } from './channel-registry.ts';
import type { PaidCheckLimiter } from './paid-check-limits.ts';

export interface EnterpriseClaim {
  creditCode: string;
  /** The enterprise's registered name (企业名称). */
  name: string;
  legalRepName: string;
  legalRepIdNumber: string;
  /** The account asking, when the caller prefers to pass it with the claim (same as ctx.personId). */
  personId?: string | undefined;
}

export interface EnterpriseCheckContext {
  /** The account asking (normally the person claiming to be the representative). */
  personId?: string | undefined;
  ip?: string | undefined;
  actor?: string | undefined;
}

export interface EnterpriseVerification {
  match: boolean;
  /** The registry's reference for this check: keep it with the claim it closes. */
  authorityRef: string;
  /** Why not: not_found, inconsistent, not_active… (null on a match). */
  reason: string | null;
  /** The public registry record for the code, when known. */
  registered: BusinessRegistryResponse['registered'];
  /** Normalised credit code actually checked. */
  creditCode: string;
  evidenceId: string;
}

export interface EnterpriseVerifierDeps {
  registry: ChannelRegistry;
  ready(): Promise<void>;
  limiter: PaidCheckLimiter;
  idNumberIndex(idNumber: string): string;
}

export class EnterpriseVerifier {
  constructor(private readonly deps: EnterpriseVerifierDeps) {
    // Bound, so the enterprise module can take it as a plain function (its RegistryCheck).
    this.verifyEnterprise = this.verifyEnterprise.bind(this);
  }

  /**
   * Throws AppError invalid_input (the parser's code, e.g. credit_code.checksum) for malformed
   * input, rate_limited, or unavailable (`verification.unavailable`: try again later).
   */
  async verifyEnterprise(claim: EnterpriseClaim, context: EnterpriseCheckContext = {}): Promise<EnterpriseVerification> {
    const ctx = { ...context, personId: context.personId ?? claim.personId };
    const code = parseCreditCode(claim.creditCode ?? '');
    if (!code.ok) throw new AppError(code.code, 'invalid unified social credit code');
    const idNumber = parseIdNumber(claim.legalRepIdNumber ?? '');
    if (!idNumber.ok) throw new AppError(idNumber.code, 'invalid legal representative ID number');
    const repName = parsePersonName(claim.legalRepName ?? '');
    if (!repName.ok) throw new AppError(repName.code, 'invalid legal representative name');
    const name = (claim.name ?? '').normalize('NFC').trim();
    if (!name || name.length > 128) throw new AppError('enterprise.name_invalid', 'invalid enterprise name');

    await this.deps.limiter.admit({ personId: ctx.personId, ip: ctx.ip, idNumberIndex: this.deps.idNumberIndex(idNumber.value.number) });
    await this.deps.ready();
    const out = await this.deps.registry.verify(
      'business_registry',
      { creditCode: code.value.code, enterpriseName: name, legalRepName: repName.value, legalRepIdNumber: idNumber.value.number },
      { subjectPersonId: ctx.personId, actor: ctx.actor ?? ctx.personId },
    );
    return {
      match: out.response.result === 'match',
      authorityRef: out.response.referenceId,
      reason: out.response.reason ?? null,
      registered: out.response.registered,
      creditCode: code.value.code,
      evidenceId: out.evidence.id,
    };
  }
}
