/**
 * A person's identity assurance level, computed on demand from unexpired matching evidence and
 * the ladder. There is no stored level anyone could edit: delete or outlive the evidence and
 * the level goes down with it. Evidence counts only while it is about the person's current
 * identity data (the keyed hashes of the ID number and name it checked must match).
 */
import type { Person } from '../identity/persons.ts';
import type { EvidenceMatch } from '../store/verification-evidence.ts';
import {
  ladderKinds,
  levelIndex,
  maxValidityDays,
  planTo,
  type AssuranceLadder,
  type AssuranceLevel,
  type EvidenceFact,
  type LevelPlan,
} from './assurance-ladder.ts';
import type { ChannelKind } from './channel.ts';

export interface AssuranceStatus {
  index: number;
  level: AssuranceLevel;
  /** The matching, still relevant evidence the level was computed from. */
  facts: EvidenceFact[];
}

export interface AssuranceDeps {
  ladder: AssuranceLadder;
  person(id: string): Promise<Person | undefined>;
  matchesOf(personId: string, kinds: string[], since: Date): Promise<EvidenceMatch[]>;
  /** Keyed hashes of a value under every configured key (current first), as evidence records them. */
  hashesOf(value: string): string[];
  now?: () => number;
}

/** Fields whose hashed value in the evidence must be the person's current value. */
const IDENTITY_FIELDS: Record<string, (p: Person) => string> = {
  idNumber: (p) => p.idNumber,
  name: (p) => p.name,
};

export class AssuranceService {
  readonly ladder: AssuranceLadder;
  readonly #deps: AssuranceDeps;
  readonly #kinds: ChannelKind[];
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(deps: AssuranceDeps) {
    this.#deps = deps;
    this.ladder = deps.ladder;
    this.#kinds = ladderKinds(deps.ladder);
    this.#maxAgeMs = maxValidityDays(deps.ladder) * 86_400_000;
    this.#now = deps.now ?? Date.now;
  }

  /** The level held now; the self-asserted floor for an unknown or inactive account. */
  async levelOf(personId: string): Promise<AssuranceStatus> {
    const facts = await this.#facts(personId);
    const index = levelIndex(this.ladder, facts, this.#now());
    return { index, level: this.ladder.levels[index]!, facts };
  }

  /** The level held and how to reach at least `minimum` online (undefined: not possible online). */
  async planFor(personId: string, minimum: number): Promise<{ status: AssuranceStatus; plan: LevelPlan | undefined }> {
    const status = await this.levelOf(personId);
    return { status, plan: planTo(this.ladder, status.facts, minimum, this.#now()) };
  }

  async #facts(personId: string): Promise<EvidenceFact[]> {
    const person = await this.#deps.person(personId);
    if (!person || person.status !== 'active') return [];
    const matches = await this.#deps.matchesOf(personId, this.#kinds, new Date(this.#now() - this.#maxAgeMs));
    if (matches.length === 0) return []; // no evidence: spare the keyed hashes (this runs per token)
    const expected = Object.entries(IDENTITY_FIELDS).map(([field, value]) => [field, new Set(this.#deps.hashesOf(value(person)))] as const);
    return matches
      .filter((m) => expected.every(([field, hashes]) => {
        const checked = m.checked.find((c) => c.field === field);
        return !checked || hashes.has(checked.hash);
      }))
      .filter((m) => m.checked.some((c) => c.field === 'idNumber')) // evidence that names nobody proves nothing
      .map((m) => ({ kind: m.kind as ChannelKind, at: new Date(m.at) }));
  }
}
