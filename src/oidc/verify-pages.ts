/**
 * What both verification journeys share — step-up inside a login (step-up.ts) and "raise my
 * level" from the account (account-verify.ts): reading a submitted check from its form, running
 * it with the person's address for rate limiting, turning the outcome into page messages, and
 * the data of the verify page. Only how a journey ends differs.
 */
import type { Context } from 'koa';
import { AppError, isAppError } from '../errors.ts';
import type { UploadedFile } from '../http/form-body.ts';
import { localeOf } from '../http/pages.ts';
import { clientIp } from '../http/rate-limit.ts';
import { maskIdNumber } from '../identity/id-number.ts';
import { maskPhone } from '../identity/phone.ts';
import type { Person } from '../identity/persons.ts';
import { isSelfService, type AssuranceLevel } from '../verification/assurance-ladder.ts';
import { mask } from '../verification/evidence.ts';
import type { CheckOutcome, PersonCheck, VerificationService } from '../verification/verification-service.ts';

export interface VerifyPageDeps {
  /** ISSUER: its origin is the only one the check forms may be posted from. */
  issuer: string;
  verification: VerificationService;
  person(id: string): Promise<Person | undefined>;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

function checkFromForm(kind: string, fields: Record<string, unknown>, files: Record<string, UploadedFile>): PersonCheck {
  if (!isSelfService(kind)) throw new AppError('http.not_found', 'no such check');
  switch (kind) {
    case 'face': {
      const file = files.image;
      if (!file || !/^image\//.test(file.type || 'image/')) throw new AppError('verification.image_invalid');
      return { kind, image: file.bytes.toString('base64') };
    }
    case 'bank_card':
      return { kind, cardNumber: str(fields.cardNumber).slice(0, 40), mobile: str(fields.mobile).slice(0, 20) || undefined };
    case 'carrier':
      return { kind, mobile: str(fields.mobile).slice(0, 20) || undefined };
    default:
      return { kind };
  }
}

export interface CheckAttempt {
  outcome?: CheckOutcome;
  /** Message key for the page, and whether it is good news. */
  message: string;
  ok: boolean;
  status: number;
}

/** Runs the submitted check; errors a person can act on become messages, anything else throws. */
export async function attemptCheck(deps: VerifyPageDeps, ctx: Context, personId: string): Promise<CheckAttempt> {
  const fields = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
  const files = (ctx.state.files ?? {}) as Record<string, UploadedFile>;
  try {
    const check = checkFromForm(String(ctx.params.kind), fields, files);
    const outcome = await deps.verification.checkPerson(personId, check, { ip: clientIp(ctx) });
    if (outcome.result === 'match') return { outcome, message: 'verify.passed', ok: true, status: 200 };
    const specific = outcome.reason === 'face_mismatch' || outcome.reason === 'liveness_failed' ? `verify.mismatch.${outcome.reason}` : 'verify.mismatch';
    return { outcome, message: specific, ok: false, status: 200 };
  } catch (e) {
    if (!isAppError(e)) throw e;
    if (e.kind === 'unavailable') return { message: 'verify.unavailable', ok: false, status: 503 };
    if (e.kind === 'rate_limited') {
      ctx.set('Retry-After', String((e.details?.retryAfterSeconds as number | undefined) ?? 3600));
      return { message: 'verify.rate_limited', ok: false, status: 429 };
    }
    if (e.kind === 'invalid_input' && e.code !== 'http.body_too_large') return { message: e.code, ok: false, status: 400 };
    throw e;
  }
}

export interface VerifyPageInput {
  personId: string;
  /** The level the journey must reach (index in the ladder). */
  minimum: number;
  /** Base path of the check forms (…/check/:kind). */
  action: string;
  csrf: string;
  message?: { key: string; ok: boolean; params?: Record<string, string> } | undefined;
}

/** Data for views/verify.eta; `reached` when the person already holds the minimum. */
export async function verifyPageData(deps: VerifyPageDeps, ctx: Context, input: VerifyPageInput) {
  const locale = localeOf(ctx);
  const nameOf = (level: AssuranceLevel) => level.name[locale];
  const ladder = deps.verification.assurance.ladder;
  const { status, plan } = await deps.verification.assurance.planFor(input.personId, input.minimum);
  const person = await deps.person(input.personId);
  if (!person) throw new AppError('verification.person_not_found');
  const targetLevel = plan ? ladder.levels[plan.target]! : undefined;
  const total = targetLevel?.requires.length ?? 0;
  // Offer only kinds some channel can run now (all of them when none can: the check then says so).
  const first = plan?.missing[0] ?? [];
  const enabled = await deps.verification.enabledKinds(first);
  return {
    reached: status.index >= input.minimum,
    status,
    data: {
      action: input.action,
      csrf: input.csrf,
      currentName: nameOf(status.level),
      requiredName: nameOf(ladder.levels[Math.min(input.minimum, ladder.levels.length - 1)]!),
      targetName: targetLevel && nameOf(targetLevel),
      blockedName: plan ? undefined : nameOf(ladder.levels[Math.min(input.minimum, ladder.levels.length - 1)]!),
      steps: enabled.length ? enabled : first,
      stepNumber: plan ? total - plan.missing.length + 1 : 0,
      stepCount: total,
      masked: { name: mask.name(person.name), idNumber: maskIdNumber(person.idNumber), phone: maskPhone(person.phone) },
      message: input.message,
    },
  };
}
