/** The second factors the `mfa` prompt offers, in the order the chooser lists them. */
import type { Container } from '../../container.ts';
import type { SecondFactor } from './second-factor.ts';

export function secondFactors(_c: Container): SecondFactor[] {
  return [];
}
