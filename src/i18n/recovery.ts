/** Texts of the "forgot password" pages. */
export const recoveryMessages: Record<'zh-CN' | 'en', Record<string, string>> = {
  'zh-CN': {
    'login.forgot': '忘记密码？',
    'login.password_reset': '密码已重置，请使用新密码登录。所有设备上的登录均已退出。',
    'recover.title': '找回密码',
    'recover.intro': '请输入您的身份证号码和注册时的手机号码，我们将向该手机发送验证码。',
    'recover.phone': '注册手机号码',
    'recover.send': '发送验证码',
    'recover.sent': '如果信息与账号一致，验证码已发送至该手机，10 分钟内有效。',
    'recover.code': '短信验证码',
    'recover.new_password': '新密码',
    'recover.submit': '重置密码',
    'recover.again': '没有收到？重新发送',
  },
  en: {
    'login.forgot': 'Forgot your password?',
    'login.password_reset': 'Your password has been reset: log in with the new one. You have been logged out everywhere.',
    'recover.title': 'Reset your password',
    'recover.intro': 'Enter your ID number and the mobile number you registered with; we will text a code to it.',
    'recover.phone': 'Registered mobile number',
    'recover.send': 'Send code',
    'recover.sent': 'If the details match an account, a code has been sent to that mobile; it is valid for 10 minutes.',
    'recover.code': 'Code from the text message',
    'recover.new_password': 'New password',
    'recover.submit': 'Reset password',
    'recover.again': 'No code? Send again',
  },
};
