/** Texts of the second-factor pages (the `mfa` prompt). Each factor adds its own in its own file. */
export const mfaMessages: Record<'zh-CN' | 'en', Record<string, string>> = {
  'zh-CN': {
    'mfa.title': '需要进一步验证',
    'mfa.for': '{client} 要求使用第二种方式验证您的身份，请选择：',
    'mfa.for_passkey': '{client} 要求使用通行密钥（防钓鱼）验证您的身份，请选择：',
    'mfa.none': '您的账号尚未设置可用的第二验证方式，无法继续登录该平台。请先在“我的账号”中设置后再试。',
    'mfa.none_passkey': '您的账号尚未设置通行密钥，无法继续登录该平台。请先在“我的账号”中添加通行密钥后再试。',
    'mfa.back_to_platform': '返回平台',
    'mfa.cancel': '取消并返回',
  },
  en: {
    'mfa.title': 'One more step',
    'mfa.for': '{client} asks you to confirm it is you with a second method. Choose one:',
    'mfa.for_passkey': '{client} asks you to confirm it is you with a passkey (phishing-resistant). Choose one:',
    'mfa.none': 'Your account has no second method set up yet, so you cannot continue to this platform. Set one up in My account, then try again.',
    'mfa.none_passkey': 'Your account has no passkey yet, so you cannot continue to this platform. Add one in My account, then try again.',
    'mfa.back_to_platform': 'Back to the platform',
    'mfa.cancel': 'Cancel and go back',
  },
};
