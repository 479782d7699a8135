/**
 * User-facing messages for identity-document validation errors, keyed by the stable error codes
 * of src/identity/id-number.ts and src/identity/credit-code.ts. Chinese is the primary locale.
 * Messages never include the number itself: ID numbers must not be echoed or logged.
 */
export type IdentityLocale = 'zh-CN' | 'en';

export const identityMessages: Record<IdentityLocale, Record<string, string>> = {
  'zh-CN': {
    'id_number.empty': '请输入证件号码',
    'id_number.format': '证件号码格式不正确，应为18位（或旧版15位）数字，最后一位可以是X',
    'id_number.region': '证件号码的地区代码无效，请核对后重新输入',
    'id_number.birth_date': '证件号码中的出生日期无效，请核对后重新输入',
    'id_number.future_birth_date': '证件号码中的出生日期晚于今天，请核对后重新输入',
    'id_number.checksum': '身份证号码校验位不正确，请核对后重新输入',
    'credit_code.empty': '请输入统一社会信用代码',
    'credit_code.format': '统一社会信用代码格式不正确，应为18位数字或大写字母（不含I、O、Z、S、V）',
    'credit_code.category': '统一社会信用代码中的登记管理部门或机构类别代码无效，请核对后重新输入',
    'credit_code.org_code_checksum': '统一社会信用代码中的组织机构代码校验位不正确，请核对后重新输入',
    'credit_code.checksum': '统一社会信用代码校验位不正确，请核对后重新输入',
  },
  en: {
    'id_number.empty': 'Please enter the ID number.',
    'id_number.format':
      'The ID number is not in the right format: it should have 18 digits (or 15 for an old card), and the last character may be X.',
    'id_number.region': 'The region code in the ID number is not valid; please check it and try again.',
    'id_number.birth_date': 'The date of birth in the ID number is not valid; please check it and try again.',
    'id_number.future_birth_date': 'The date of birth in the ID number is later than today; please check it and try again.',
    'id_number.checksum': 'The check character of the ID number is wrong; please check it and try again.',
    'credit_code.empty': 'Please enter the unified social credit code.',
    'credit_code.format':
      'The unified social credit code is not in the right format: it should have 18 digits or capital letters (without I, O, Z, S or V).',
    'credit_code.category':
      'The registration authority or entity category in the unified social credit code is not valid; please check it and try again.',
    'credit_code.org_code_checksum':
      'The check character of the organisation code inside the unified social credit code is wrong; please check it and try again.',
    'credit_code.checksum': 'The check character of the unified social credit code is wrong; please check it and try again.',
  },
};
