/** The second factors the `mfa` prompt offers, in the order the chooser lists them. */
import type { Container } from '../../container.ts';
import type { SecondFactor } from './second-factor.ts';
import { smsFactor } from './sms-factor.ts';

export function secondFactors(c: Container): SecondFactor[] {
  return [smsFactor(c.persons, c.smsCodes)];
}
