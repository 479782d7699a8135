/**
 * The identity assurance ladder (实名等级) as configuration data: levels from lowest to highest,
 * each naming the evidence kinds that reach it and how long a match stays valid. A person's level
 * is always computed from unexpired evidence (levelIndex), never stored. Provinces differ
 * (L1–L4, 二–五级), so nothing here knows how many levels there are or what they are called.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CHANNEL_KINDS, type ChannelKind } from './channel.ts';

/**
 * Kinds a person can run alone, online. Counter checks need an operator; SMS delivery and the
 * business registry prove nothing about the person's own identity.
 */
export const SELF_SERVICE_KINDS = ['population', 'face', 'bank_card', 'carrier', 'social_security'] as const;
export type SelfServiceKind = (typeof SELF_SERVICE_KINDS)[number];
export const isSelfService = (kind: string): kind is SelfServiceKind => (SELF_SERVICE_KINDS as readonly string[]).includes(kind);

const requirementSchema = z.strictObject({ kind: z.enum(CHANNEL_KINDS), validDays: z.int().min(1).max(36_500) });
const levelSchema = z.strictObject({
  id: z.string().regex(/^[\p{L}\p{N}_-]{1,16}$/u), // the assurance_level claim value: L3, 三级…
  acr: z.string().min(1).max(255),
  name: z.strictObject({ 'zh-CN': z.string().min(1), en: z.string().min(1) }),
  requires: z.array(z.strictObject({ anyOf: z.array(requirementSchema).min(1) })),
});
const registrationSchema = z.strictObject({
  $comment: z.string().optional(),
  /** Kinds registration's real-name check runs, in order (each only when a channel is enabled). */
  realNameChecks: z.array(z.enum(['population', 'carrier'])).min(1),
});
const representationSchema = z.strictObject({
  $comment: z.string().optional(),
  /** Level id needed to claim to be an enterprise's legal representative. */
  legalRepresentativeMinimum: z.string(),
  /** Level id needed to accept an agent authorisation. */
  agentMinimum: z.string(),
});
const guardianshipSchema = z.strictObject({
  $comment: z.string().optional(),
  /** Level id a guardian must hold to add a minor and act for them. */
  guardianMinimum: z.string(),
  /** Level id a relative must hold to act for a person under an assisted-service authorisation. */
  proxyMinimum: z.string(),
  /** `declared`: the guardian's declaration suffices; `counter`: a counter check confirms it first. */
  relationshipEvidence: z.enum(['declared', 'counter']),
});
const ladderSchema = z
  .strictObject({
    $comment: z.string().optional(),
    registration: registrationSchema.optional(),
    representation: representationSchema.optional(),
    guardianship: guardianshipSchema.optional(),
    levels: z.array(levelSchema).min(1),
  })
  .superRefine((ladder, ctx) => {
    const unique = (xs: string[]) => new Set(xs).size === xs.length;
    if (!unique(ladder.levels.map((l) => l.id))) ctx.addIssue({ code: 'custom', message: 'level ids must be unique', path: ['levels'] });
    if (!unique(ladder.levels.map((l) => l.acr))) ctx.addIssue({ code: 'custom', message: 'acr values must be unique', path: ['levels'] });
    for (const key of ['legalRepresentativeMinimum', 'agentMinimum'] as const) {
      const id = ladder.representation?.[key];
      if (id !== undefined && !ladder.levels.some((l) => l.id === id)) {
        ctx.addIssue({ code: 'custom', message: `names no level of this ladder: ${id}`, path: ['representation', key] });
      }
    }
    for (const key of ['guardianMinimum', 'proxyMinimum'] as const) {
      const id = ladder.guardianship?.[key];
      if (id !== undefined && !ladder.levels.some((l) => l.id === id)) {
        ctx.addIssue({ code: 'custom', message: `names no level of this ladder: ${id}`, path: ['guardianship', key] });
      }
    }
    if (ladder.levels[0]?.requires.length) {
      ctx.addIssue({ code: 'custom', message: 'the first level must require nothing (self-asserted)', path: ['levels', 0, 'requires'] });
    }
  });

export type AssuranceLevel = z.infer<typeof levelSchema>;
export interface AssuranceLadder {
  levels: AssuranceLevel[];
  /** Registration's real-name check: the kinds it runs, in order. */
  registration?: { realNameChecks: Array<'population' | 'carrier'> } | undefined;
  /** Minimum levels (ids) for acting for an enterprise. */
  representation?: { legalRepresentativeMinimum: string; agentMinimum: string } | undefined;
  /** Natural persons acting for natural persons: guardians and assisted-service relatives. */
  guardianship?: { guardianMinimum: string; proxyMinimum: string; relationshipEvidence: 'declared' | 'counter' } | undefined;
}

/** One matching check, as far as the ladder cares: which kind, and when. */
export interface EvidenceFact { kind: ChannelKind; at: Date }

export class LadderError extends Error {
  override name = 'LadderError';
}

export function parseLadder(json: unknown): AssuranceLadder {
  const parsed = ladderSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LadderError(`invalid assurance ladder at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const { levels, registration, representation, guardianship } = parsed.data;
  return {
    levels,
    guardianship: guardianship && { guardianMinimum: guardianship.guardianMinimum, proxyMinimum: guardianship.proxyMinimum, relationshipEvidence: guardianship.relationshipEvidence },
    registration: registration && { realNameChecks: registration.realNameChecks },
    representation: representation && { legalRepresentativeMinimum: representation.legalRepresentativeMinimum, agentMinimum: representation.agentMinimum },
  };
}

export function loadLadder(file: string): AssuranceLadder {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LadderError(`cannot read the assurance ladder ${file}: ${(e as Error).message}`);
  }
  return parseLadder(json);
}

const DAY_MS = 86_400_000;

/** The longest validity of any requirement: older evidence can never count. */
export function maxValidityDays(ladder: AssuranceLadder): number {
  return Math.max(1, ...ladder.levels.flatMap((l) => l.requires.flatMap((g) => g.anyOf.map((r) => r.validDays))));
}

/** Every kind some level counts. */
export function ladderKinds(ladder: AssuranceLadder): ChannelKind[] {
  return [...new Set(ladder.levels.flatMap((l) => l.requires.flatMap((g) => g.anyOf.map((r) => r.kind))))];
}

type Group = AssuranceLevel['requires'][number];

const groupMet = (group: Group, facts: readonly EvidenceFact[], now: number) =>
  group.anyOf.some((r) => facts.some((f) => f.kind === r.kind && f.at.getTime() <= now && now - f.at.getTime() < r.validDays * DAY_MS));

/** Index of the highest level whose requirements are all met (0, the self-asserted floor, at least). */
export function levelIndex(ladder: AssuranceLadder, facts: readonly EvidenceFact[], now = Date.now()): number {
  for (let i = ladder.levels.length - 1; i > 0; i--) {
    if (ladder.levels[i]!.requires.every((g) => groupMet(g, facts, now))) return i;
  }
  return 0;
}

export const indexOfAcr = (ladder: AssuranceLadder, acr: unknown): number | undefined => {
  const i = ladder.levels.findIndex((l) => l.acr === acr);
  return i < 0 ? undefined : i;
};

export const indexOfId = (ladder: AssuranceLadder, id: unknown): number | undefined => {
  const i = ladder.levels.findIndex((l) => l.id === id);
  return i < 0 ? undefined : i;
};

export interface LevelPlan {
  /** The level the plan reaches (the lowest one at or above the minimum that can be reached online). */
  target: number;
  /** Groups still to satisfy, in ladder order; each is a choice between self-service kinds. */
  missing: SelfServiceKind[][];
}

/**
 * How to get from the evidence held to at least level `minimum` with checks a person can run
 * online. Undefined when every level at or above it needs something only an operator can do
 * (a counter visit): the caller must then fail rather than pretend.
 */
export function planTo(ladder: AssuranceLadder, facts: readonly EvidenceFact[], minimum: number, now = Date.now()): LevelPlan | undefined {
  for (let target = Math.max(0, minimum); target < ladder.levels.length; target++) {
    const unmet = ladder.levels[target]!.requires.filter((g) => !groupMet(g, facts, now));
    const missing = unmet.map((g) => g.anyOf.map((r) => r.kind).filter(isSelfService));
    if (missing.every((kinds) => kinds.length > 0)) return { target, missing };
  }
  return undefined;
}

/** Registration's real-name checks; without a `registration` section, the population check. */
export const registrationChecks = (ladder: AssuranceLadder): Array<'population' | 'carrier'> =>
  ladder.registration?.realNameChecks ?? ['population'];

/**
 * Level indexes needed to act for an enterprise. Without a `representation` section: the third
 * level (or the top one) for a legal representative, the second for an agent.
 */
export function representationMinimums(ladder: AssuranceLadder): { legalRepresentative: number; agent: number } {
  const top = ladder.levels.length - 1;
  const r = ladder.representation;
  return {
    legalRepresentative: r ? indexOfId(ladder, r.legalRepresentativeMinimum)! : Math.min(2, top),
    agent: r ? indexOfId(ladder, r.agentMinimum)! : Math.min(1, top),
  };
}

export interface GuardianshipRules { guardian: number; proxy: number; relationshipEvidence: 'declared' | 'counter' }

/** Level indexes for guardians and proxies, and the evidence a guardianship needs. Without a section: the second level, declared. */
export function guardianshipRules(ladder: AssuranceLadder): GuardianshipRules {
  const g = ladder.guardianship;
  const second = Math.min(1, ladder.levels.length - 1);
  return {
    guardian: g ? indexOfId(ladder, g.guardianMinimum)! : second,
    proxy: g ? indexOfId(ladder, g.proxyMinimum)! : second,
    relationshipEvidence: g?.relationshipEvidence ?? 'declared',
  };
}
