/** Fictitious but well-formed identities for tests: valid GB 11643 numbers, unique per call. */
import { randomInt } from 'node:crypto';
import { computeIdCheckChar } from '../../src/identity/id-number.ts';

let counter = randomInt(0, 500);

export function idNumber(birth = '19900307', division = '110105'): string {
  counter = (counter + 1) % 1000;
  const first17 = `${division}${birth}${String(counter).padStart(3, '0')}`;
  return first17 + computeIdCheckChar(first17);
}

export const phone = () => `139${String(randomInt(0, 1e8)).padStart(8, '0')}`;

export const PASSWORD = 'Correct-Horse-9';

export function person() {
  return { name: '张三', idNumber: idNumber(`19${randomInt(50, 99)}0${randomInt(1, 9)}1${randomInt(0, 9)}`), phone: phone(), password: PASSWORD };
}
