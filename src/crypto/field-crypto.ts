/**
 * Encryption of sensitive fields at rest (AES-256-GCM) and keyed blind indexes (HMAC-SHA256) to
 * find and deduplicate them without storing them in clear. Subkeys are derived with HKDF from the
 * configured master keys; the first key encrypts, the others only decrypt (rotation).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../errors.ts';

interface KeySet { id: string; enc: Buffer; index: Buffer }

const derive = (master: Buffer, info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));

function keySet(master: Buffer): KeySet {
  return {
    id: createHash('sha256').update(master).digest('hex').slice(0, 8),
    enc: derive(master, 'yihao field encryption v1'),
    index: derive(master, 'yihao blind index v1'),
  };
}

export class FieldCrypto {
  readonly #keys: KeySet[];

  constructor(masters: Buffer[]) {
    if (masters.length === 0) throw new Error('FieldCrypto needs at least one key');
    this.#keys = masters.map(keySet);
  }

  get currentKeyId(): string { return this.#keys[0]!.id; }
  get keyCount(): number { return this.#keys.length; }

  /** `context` binds the ciphertext to its column so values cannot be swapped between fields. */
  encrypt(plain: string, context: string): string {
    const key = this.#keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.enc, iv);
    cipher.setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', key.id, iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  decrypt(sealed: string, context: string): string {
    const [version, keyId, iv, ct, tag] = sealed.split('.');
    const key = this.#keys.find((k) => k.id === keyId);
    if (version !== 'v1' || !key || !iv || ct === undefined || !tag) {
      throw new AppError('crypto.unknown_key', 'field encrypted under an unknown key');
    }
    const decipher = createDecipheriv('aes-256-gcm', key.enc, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** True when the value was sealed under a key other than the current one (needs re-encryption). */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.currentKeyId;
  }

  /** Blind indexes under every configured key, current first (lookups during a key rotation). */
  blindIndexes(value: string, context: string): string[] {
    return this.#keys.map((_, i) => this.blindIndex(value, context, i));
  }

  /** Blind index under the current key (or a retired one, for re-indexing after rotation). */
  blindIndex(value: string, context: string, keyIndex = 0): string {
    const key = this.#keys[keyIndex];
    if (!key) throw new Error(`no field key at position ${keyIndex}`);
    return createHmac('sha256', key.index).update(`${context}\0${value}`).digest('base64url');
  }
}
