/**
 * The SSO session's lifetime: it ends `idle` seconds after the last authorization that used it,
 * and never later than `absolute` seconds after the login. oidc-provider re-saves the session on
 * every authorization with the TTL this returns, which is how activity extends it.
 *
 * The end moves forward only once it has fallen `step` seconds behind (a sixtieth of the idle
 * time, at most a minute): between such moves the payload, and so the stored row, is unchanged,
 * and the store skips the write (store/oidc-models.ts). The idle end is thus idle … idle + step.
 */
export interface SessionTimes {
  now: number;
  /** Epoch seconds of the login, and of the current end (absent before the first save). */
  loginTs: number | undefined;
  exp: number | undefined;
}

export const extensionStep = (idle: number) => Math.max(1, Math.min(60, Math.floor(idle / 60)));

/** Seconds from `now` until the session ends (at least 1, as the provider requires). */
export function sessionTtl(t: SessionTimes, idle: number, absolute: number): number {
  const hardEnd = (t.loginTs ?? t.now) + absolute;
  const idleEnd = t.now + idle;
  let end = Math.min(hardEnd, idleEnd);
  // Keep the current end while it is recent enough (and not past the absolute end).
  if (t.exp !== undefined && t.exp > t.now && t.exp <= hardEnd && t.exp >= idleEnd - extensionStep(idle) && t.exp <= idleEnd + extensionStep(idle)) end = t.exp;
  return Math.max(1, end - t.now);
}
