/**
 * The span of one provider request. While one token or userinfo response is built the same person
 * is looked up and decrypted several times (the account, its claims, its assurance level); the
 * memo makes that once. The HTTP layer opens the scope around oidc-provider only (app.ts), where
 * nothing writes persons; elsewhere `memoized` just loads. Nothing outlives the request, so
 * nothing here needs invalidation, and decrypted data is held no longer than the request.
 * Writes are never deferred here: a consume must be visible the moment it returns.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface Scope { memo: Map<string, Promise<unknown>> }

const scope = new AsyncLocalStorage<Scope>();

export async function withRequestScope<T>(fn: () => Promise<T>): Promise<T> {
  return scope.run({ memo: new Map() }, fn);
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
