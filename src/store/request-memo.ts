/**
 * The span of one provider request. While one token or userinfo response is built the same person
 * is looked up and decrypted several times (the account, its claims, its assurance level); the
 * memo makes that once. Stores may also hold writes that can wait for the request's next one
 * (`pending`), which are flushed before the request ends in any case. The HTTP layer opens the
 * scope around oidc-provider only (app.ts), where nothing writes persons; elsewhere `memoized`
 * just loads and `pending` is undefined. Nothing outlives the request, so nothing here needs
 * invalidation, and decrypted data is held no longer than the request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface Scope {
  memo: Map<string, Promise<unknown>>;
  pending: Map<string, { items: unknown[]; flush: (items: unknown[]) => Promise<void> }>;
}

const scope = new AsyncLocalStorage<Scope>();

export async function withRequestScope<T>(fn: () => Promise<T>): Promise<T> {
  const s: Scope = { memo: new Map(), pending: new Map() };
  return scope.run(s, async () => {
    try {
      return await fn();
    } finally {
      // Whatever no later write carried is written now, before any response leaves, and a
      // failure here fails the request.
      for (const { items, flush } of s.pending.values()) if (items.length) await flush(items.splice(0));
    }
  });
}

export function memoized<T>(key: string, load: () => Promise<T>): Promise<T> {
  const memo = scope.getStore()?.memo;
  if (!memo) return load();
  let p = memo.get(key) as Promise<T> | undefined;
  if (!p) {
    p = load();
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return p;
}

/**
 * The request's list of writes under `key`, to push onto or take from, or undefined outside a
 * request (write at once then). `flush` writes what is left when the request ends.
 */
export function pending<T>(key: string, flush: (items: T[]) => Promise<void>): T[] | undefined {
  const s = scope.getStore();
  if (!s) return undefined;
  let entry = s.pending.get(key);
  if (!entry) s.pending.set(key, entry = { items: [], flush: flush as (items: unknown[]) => Promise<void> });
  return entry.items as T[];
}
