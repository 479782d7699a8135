/**
 * Who may act for an enterprise: claiming to be its legal representative needs a high identity
 * assurance level (L3 by default) before the business registry is even asked — otherwise anyone
 * who knows a representative's name and ID number could register first and become them — and
 * accepting an agent authorisation needs L2. The minimums are the ladder file's `representation`.
 */
import { AppError } from '../errors.ts';

export interface RepresentationMinimums { legalRepresentative: number; agent: number }

export interface Standing {
  /** Index of the level held (0: self-asserted). */
  current: number;
  mayClaim: boolean;
  mayAccept: boolean;
}

export class RepresentationPolicy {
  constructor(
    /** Index of the level the person holds now (computed from evidence). */
    private readonly levelOf: (personId: string) => Promise<number>,
    readonly minimums: RepresentationMinimums,
  ) {}

  async standing(personId: string): Promise<Standing> {
    const current = await this.levelOf(personId);
    return { current, mayClaim: current >= this.minimums.legalRepresentative, mayAccept: current >= this.minimums.agent };
  }

  async requireForClaim(personId: string): Promise<void> {
    if (!(await this.standing(personId)).mayClaim) throw new AppError('enterprise.assurance_too_low');
  }

  async requireForAgent(personId: string): Promise<void> {
    if (!(await this.standing(personId)).mayAccept) throw new AppError('delegation.assurance_too_low');
  }
}
