/**
 * Who may act for another natural person: a guardian and an assisted-service relative must hold
 * the ladder's `guardianship` minimums (L2 by default), checked when they add a ward and again
 * every time they act, so a level that lapses stops the acting too.
 */
import { AppError } from '../errors.ts';
import type { GuardianshipRules } from '../verification/assurance-ladder.ts';

export class NaturalPersonPolicy {
  constructor(
    /** Index of the level the person holds now (computed from evidence). */
    private readonly levelOf: (personId: string) => Promise<number>,
    readonly rules: GuardianshipRules,
  ) {}

  async mayGuard(personId: string): Promise<boolean> {
    return (await this.levelOf(personId)) >= this.rules.guardian;
  }

  async mayProxy(personId: string): Promise<boolean> {
    return (await this.levelOf(personId)) >= this.rules.proxy;
  }

  async requireGuardian(personId: string): Promise<void> {
    if (!(await this.mayGuard(personId))) throw new AppError('guardianship.assurance_too_low');
  }
}
