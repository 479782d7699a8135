/**
 * Finding and showing people on console pages: exact lookup only (person id, mobile number or ID
 * number through the blind index, never a partial search), and masked views (the console never
 * shows a full ID number or mobile number).
 */
import type { Person, PersonService } from '../../identity/persons.ts';
import { mask } from '../../verification/evidence.ts';

export type PersonLookup = Pick<PersonService, 'get' | 'findByIdentifier'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface MaskedPerson { id: string; name: string; idNumber: string; phone: string; status: string; createdAt: Date }

/** The person a reference names exactly: a person id, a mobile number or an ID number. */
export async function findPerson(persons: PersonLookup, ref: string): Promise<Person | undefined> {
  const text = ref.trim();
  if (UUID.test(text)) return persons.get(text.toLowerCase());
  const row = await persons.findByIdentifier(text);
  return row ? persons.get(row.id) : undefined;
}

export function masked(p: Person): MaskedPerson {
  // A closed account's fields are erased: nothing to mask.
  const m = (f: (v: string) => string, v: string | undefined) => (v ? f(v) : '—');
  return { id: p.id, name: m(mask.name, p.name), idNumber: m(mask.idNumber, p.idNumber), phone: m(mask.mobile, p.phone), status: p.status, createdAt: p.createdAt };
}

/** Masked views of several people by id (missing ones left out). */
export async function maskedMany(persons: PersonLookup, ids: Iterable<string>): Promise<Map<string, MaskedPerson>> {
  const out = new Map<string, MaskedPerson>();
  for (const id of new Set(ids)) {
    const p = await persons.get(id);
    if (p) out.set(id, masked(p));
  }
  return out;
}
