/** Real names as written on identity documents: Chinese (with the middle dot of minority names) or Latin. */
export type NameResult = { ok: true; value: string } | { ok: false; code: 'name.invalid' };

const PATTERN = /^(?:[\u3400-\u9FFF\uF900-\uFAFF]+(?:[·•・][\u3400-\u9FFF\uF900-\uFAFF]+)*|[A-Za-z][A-Za-z .'-]*[A-Za-z.])$/u;

export function parsePersonName(input: string): NameResult {
  const value = input.normalize('NFC').trim().replace(/\s+/g, ' ').replace(/[•・]/g, '·');
  if ([...value].length < 2 || [...value].length > 60 || !PATTERN.test(value)) return { ok: false, code: 'name.invalid' };
  return { ok: true, value };
}
