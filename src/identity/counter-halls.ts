/**
 * Service halls (政务服务大厅) where counter operators work, and the reference numbers of their
 * acts. The halls are a configured list (COUNTER_HALLS, `code=name;code=name`) when the province
 * keeps one; without it the hall is free text, validated like any other name typed by staff.
 */
import { AppError } from '../errors.ts';

export interface Hall { code: string; name: string }

const CODE = /^[A-Za-z0-9_-]{1,32}$/;
// Letters (any script), digits, spaces and the punctuation hall names and numbers use.
const FREE_TEXT = /^[\p{L}\p{N}\p{Zs}()（）·\-_/.#:]+$/u;
const REFERENCE = /^[\p{L}\p{N}\-_/.:#]{1,64}$/u;

/** Parses COUNTER_HALLS; undefined when empty (free text). Throws on a malformed entry. */
export function parseHalls(text: string | undefined): Hall[] | undefined {
  if (!text || !text.trim()) return undefined;
  const halls = text.split(';').map((s) => s.trim()).filter(Boolean).map((entry) => {
    const eq = entry.indexOf('=');
    const code = eq < 0 ? entry : entry.slice(0, eq).trim();
    const name = eq < 0 ? entry : entry.slice(eq + 1).trim();
    if (!CODE.test(code) || name.length < 1 || name.length > 64) {
      throw new Error(`COUNTER_HALLS: "${entry}" is not code=name (code: letters, digits, - and _, up to 32)`);
    }
    return { code, name };
  });
  if (new Set(halls.map((h) => h.code)).size !== halls.length) throw new Error('COUNTER_HALLS: a hall code appears twice');
  return halls;
}

export class Halls {
  constructor(readonly list: readonly Hall[] | undefined) {}

  /** The hall as recorded: a configured code, or the validated free text. */
  check(input: string): string {
    const value = (input ?? '').normalize('NFC').trim().replace(/\s+/g, ' ');
    if (this.list) {
      if (!this.list.some((h) => h.code === value)) throw new AppError('counter.hall_invalid', 'not a configured service hall');
      return value;
    }
    if (value.length < 2 || value.length > 64 || !FREE_TEXT.test(value)) throw new AppError('counter.hall_invalid', 'hall name: 2 to 64 letters, digits and spaces');
    return value;
  }

  /** What people read for a recorded hall (its configured name, or the text itself). */
  label(recorded: string): string {
    return this.list?.find((h) => h.code === recorded)?.name ?? recorded;
  }
}

/** The counter's own reference number for the act (受理编号), as typed; 1–64 characters. */
export function checkReference(input: string): string {
  const value = (input ?? '').normalize('NFC').trim();
  if (!REFERENCE.test(value)) throw new AppError('counter.reference_invalid', 'reference: 1 to 64 letters, digits and - _ / . : #');
  return value;
}
