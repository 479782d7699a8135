/**
 * The contract between the `mfa` prompt's chooser page (mfa-pages.ts) and each second factor
 * (SMS code, authenticator app, recovery code, passkey). A factor lists itself when the person
 * can use it, and mounts its own routes under /interaction/:uid/mfa/<kind> (the interaction
 * cookie's path); when the person passes it, the factor calls `complete` with its amr value, and
 * the login continues with the session's amr extended (authn/strength.ts).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';

export interface MfaInteraction {
  uid: string;
  accountId: string;
  clientId: string;
  /** The strength the platform needs (1–3) and what the session has so far. */
  requiredAal: number;
  amr: string[];
}

export interface MfaTools {
  /** The interaction, when it is at the `mfa` prompt; otherwise "interaction expired". */
  interaction(ctx: Context): Promise<MfaInteraction>;
  /** The person passed a factor adding `amr` (sms, otp, hwk, swk): the login continues. */
  complete(ctx: Context, amr: string): Promise<void>;
  /** The display name of the platform. */
  clientName(clientId: string): Promise<string>;
}

export interface SecondFactor {
  kind: string;
  /** i18n key of the choice's label, and of a hint shown under it. */
  labelKey: string;
  hintKey?: string;
  /** Passkeys; only these satisfy strength 3. */
  phishingResistant: boolean;
  /** Whether the person can use it now (enrolled, or a phone on file for SMS). */
  available(accountId: string): Promise<boolean>;
  /** Routes under /interaction/:uid/mfa/<kind>; the router has the origin and CSRF checks and a form body parser. */
  mount(router: Router, tools: MfaTools): void;
}
