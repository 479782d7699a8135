/**
 * Fictitious persons for the scale run, a pure function of their index so that any process can
 * name person #i without storing the list: valid GB 11643 ID numbers (check character computed
 * by src/identity/id-number.ts) and unique mobile numbers in a range no test or seed uses.
 */
import { computeIdCheckChar } from '../../src/identity/id-number.ts';

// Real county-level division codes (Beijing, Shanghai, Guangzhou, Hangzhou, Chengdu, Hohhot,
// Jinan, Guiyang, Harbin); 110105 is left out because the token bench's own person lives there.
const DIVISIONS = ['110101', '110102', '110106', '310101', '310104', '440103', '330102', '510104', '150102', '370102', '520102', '230102'];
const FIRST_DAY = Date.UTC(1940, 0, 1);
const DAYS = Math.floor((Date.UTC(2005, 11, 31) - FIRST_DAY) / 86_400_000) + 1;
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '高', '罗'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀英', '霞', '平', '刚', '桂英'];

/** How many distinct persons this scheme can name. */
export const CAPACITY = DIVISIONS.length * DAYS * 1000;

export function fictitiousPerson(i: number): { name: string; idNumber: string; phone: string } {
  if (!Number.isInteger(i) || i < 0 || i >= CAPACITY) throw new RangeError(`person index ${i} out of range`);
  const division = DIVISIONS[i % DIVISIONS.length]!;
  const rest = Math.floor(i / DIVISIONS.length);
  const birth = new Date(FIRST_DAY + (rest % DAYS) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const sequence = String(Math.floor(rest / DAYS)).padStart(3, '0');
  const first17 = `${division}${birth}${sequence}`;
  return {
    name: `${SURNAMES[i % SURNAMES.length]}${GIVEN[Math.floor(i / SURNAMES.length) % GIVEN.length]}`,
    idNumber: first17 + computeIdCheckChar(first17),
    phone: `17${String(i).padStart(9, '0')}`, // 170xxxxxxxx…179xxxxxxxx: unique below 10⁹
  };
}
