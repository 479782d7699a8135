/**
 * Signing keys as a JWK set file in KEYS_DIR, shared by every process that reads the directory.
 * Active keys come first (oidc-provider signs with the first key that fits the algorithm);
 * retired keys stay published in JWKS until every token they signed has expired.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export const SIGNING_ALGS = ['ES256', 'RS256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export interface StoredKey {
  jwk: JWK;
  createdAt: string;
  retiredAt?: string;
}

interface KeyFile { keys: StoredKey[] }

const FILE = 'signing-keys.json';
export const keyFilePath = (dir: string) => path.join(dir, FILE);

async function newKey(alg: SigningAlg): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(alg, alg === 'RS256' ? { modulusLength: 2048, extractable: true } : { extractable: true });
  const jwk = await exportJWK(privateKey);
  jwk.kid = await calculateJwkThumbprint(jwk);
  jwk.alg = alg;
  jwk.use = 'sig';
  return { jwk, createdAt: new Date().toISOString() };
}

function write(dir: string, file: KeyFile): void {
  mkdirSync(dir, { recursive: true });
  // Write then rename, so a reader never sees half a file.
  const tmp = path.join(dir, `.${FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(file, null, 2), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, keyFilePath(dir));
}

function read(dir: string): KeyFile {
  return JSON.parse(readFileSync(keyFilePath(dir), 'utf8')) as KeyFile;
}

/** Creates the key set on first start. Returns true when it generated keys. */
export async function ensureSigningKeys(dir: string): Promise<boolean> {
  if (existsSync(keyFilePath(dir))) return false;
  const keys = await Promise.all(SIGNING_ALGS.map(newKey));
  write(dir, { keys });
  return true;
}

/** Drops retired keys whose tokens have all expired. */
function prune(keys: StoredKey[], retainSeconds: number, now = Date.now()): StoredKey[] {
  return keys.filter((k) => !k.retiredAt || Date.parse(k.retiredAt) + retainSeconds * 1000 > now);
}

export function loadSigningKeys(dir: string, retainSeconds: number): StoredKey[] {
  const keys = prune(read(dir).keys, retainSeconds);
  return [...keys.filter((k) => !k.retiredAt), ...keys.filter((k) => k.retiredAt)];
}

/** The JWKS oidc-provider is configured with: active keys first. */
export function providerJwks(keys: StoredKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.jwk) };
}

export function keyFileVersion(dir: string): number {
  try { return statSync(keyFilePath(dir)).mtimeMs; } catch { return 0; }
}

/** Adds a new active key per algorithm and retires the previous ones (kept published). */
export async function rotateSigningKeys(dir: string, retainSeconds: number, algs: readonly SigningAlg[] = SIGNING_ALGS): Promise<StoredKey[]> {
  const now = new Date().toISOString();
  const current = prune(read(dir).keys, retainSeconds);
  const fresh = await Promise.all(algs.map(newKey));
  const retired = current.map((k) => (k.retiredAt || !algs.includes(k.jwk.alg as SigningAlg) ? k : { ...k, retiredAt: now }));
  write(dir, { keys: [...fresh, ...retired] });
  return fresh;
}

/**
 * Retires a key that is no longer current for good: it leaves the published set at once (tokens
 * it signed stop verifying), instead of waiting out the retention. A current (active) key is
 * never removed: rotate first. Running servers pick the change up as they do a rotation.
 */
export function removeRetiredKey(dir: string, kid: string): 'removed' | 'active' | 'not_found' {
  const file = read(dir);
  const key = file.keys.find((k) => k.jwk.kid === kid);
  if (!key) return 'not_found';
  if (!key.retiredAt) return 'active';
  write(dir, { keys: file.keys.filter((k) => k !== key) });
  return 'removed';
}
