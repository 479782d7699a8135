/**
 * A memo for the span of one provider request. While one token or userinfo response is built the
 * same person is looked up and decrypted several times (the account, its claims, its assurance
 * level); the memo makes that once. The HTTP layer opens it around oidc-provider only (app.ts),
 * where nothing writes persons; elsewhere `memoized` just loads. Nothing outlives the request,
 * so nothing here needs invalidation, and decrypted data is held no longer than the request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<Map<string, Promise<unknown>>>();

export const withRequestMemo = <T>(fn: () => T): T => scope.run(new Map(), fn);

export function memoized<T>(key: string, load: () => Promise<T>): Promise<T> {
  const memo = scope.getStore();
  if (!memo) return load();
  let p = memo.get(key) as Promise<T> | undefined;
  if (!p) {
    p = load();
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return p;
}
