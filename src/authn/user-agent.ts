/**
 * A short, human summary of a User-Agent header ("Chrome 120 · Windows") for the account page's
 * session list and the new-device notice. Coarse on purpose: enough for a person to recognise
 * their own devices, nothing that fingerprints them further. Order matters: Edge and most
 * Chinese browsers also say "Chrome", and every Chromium says "Safari".
 */
const BROWSERS: Array<[RegExp, string]> = [
  [/MicroMessenger\/(\d+)/, 'WeChat'],
  [/AlipayClient\/(\d+)/, 'Alipay'],
  [/DingTalk\/(\d+)/, 'DingTalk'],
  [/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/QQBrowser\/(\d+)/, 'QQ Browser'],
  [/UCBrowser\/(\d+)/, 'UC Browser'],
  [/Quark\/(\d+)/, 'Quark'],
  [/HuaweiBrowser\/(\d+)/, 'Huawei Browser'],
  [/MiuiBrowser\/(\d+)/, 'MIUI Browser'],
  [/Firefox\/(\d+)/, 'Firefox'],
  [/(?:Chrome|CriOS|HeadlessChrome)\/(\d+)/, 'Chrome'],
  [/Version\/(\d+)[\d.]* .*Safari\//, 'Safari'],
];

const SYSTEMS: Array<[RegExp, string]> = [
  [/HarmonyOS|OpenHarmony/, 'HarmonyOS'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Android/, 'Android'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

export const UNKNOWN_DEVICE = '—';

export function summariseUserAgent(ua: string | undefined): string {
  if (!ua) return UNKNOWN_DEVICE;
  const text = ua.slice(0, 512);
  const browser = BROWSERS.find(([re]) => re.test(text));
  const system = SYSTEMS.find(([re]) => re.test(text))?.[1];
  const name = browser ? `${browser[1]} ${browser[0].exec(text)![1]}` : undefined;
  return [name, system].filter(Boolean).join(' · ') || UNKNOWN_DEVICE;
}
