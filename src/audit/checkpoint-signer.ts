/**
 * Signed checkpoints: a compact JWS (ES256, Yihao's signing key in KEYS_DIR) over the id and hash
 * of one event. Signing keys are rotated and pruned, so every key that ever signed a checkpoint is
 * also kept, public part only, in KEYS_DIR/audit-keys.json: outside the database, so someone who
 * can rewrite the database cannot also bring a key of their own.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compactVerify, CompactSign, importJWK, type JWK } from 'jose';
import { AppError } from '../errors.ts';
import { loadSigningKeys } from '../crypto/signing-keys.ts';

export const CHECKPOINT_TYPE = 'yihao-audit-checkpoint';

export interface CheckpointClaims { iss: string; last_event_id: string; last_hash: string; iat: number }

const publicPart = ({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub }: JWK): JWK => pub;

export class CheckpointSigner {
  constructor(private readonly keysDir: string, private readonly issuer: string) {}

  get #auditKeysFile(): string { return path.join(this.keysDir, 'audit-keys.json'); }

  #rememberedKeys(): JWK[] {
    return existsSync(this.#auditKeysFile) ? (JSON.parse(readFileSync(this.#auditKeysFile, 'utf8')) as { keys: JWK[] }).keys : [];
  }

  #remember(jwk: JWK): void {
    const keys = this.#rememberedKeys();
    if (keys.some((k) => k.kid === jwk.kid)) return;
    const tmp = `${this.#auditKeysFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ keys: [...keys, publicPart(jwk)] }, null, 2), { mode: 0o644 });
    renameSync(tmp, this.#auditKeysFile);
  }

  async sign(lastEventId: string, lastHash: string): Promise<string> {
    const key = loadSigningKeys(this.keysDir, Infinity).find((k) => !k.retiredAt && k.jwk.alg === 'ES256');
    if (!key) throw new AppError('audit.no_signing_key');
    this.#remember(key.jwk);
    const claims: CheckpointClaims = { iss: this.issuer, last_event_id: lastEventId, last_hash: lastHash, iat: Math.floor(Date.now() / 1000) };
    return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid!, typ: CHECKPOINT_TYPE })
      .sign(await importJWK(key.jwk, 'ES256'));
  }

  /** The claims of a checkpoint signed by one of our keys; throws otherwise. */
  async verify(jws: string): Promise<CheckpointClaims> {
    const trusted = [...this.#rememberedKeys(), ...loadSigningKeys(this.keysDir, Infinity).map((k) => publicPart(k.jwk))];
    const { payload, protectedHeader } = await compactVerify(jws, async (header) => {
      const jwk = trusted.find((k) => k.kid === header.kid && k.alg === 'ES256');
      if (!jwk || header.alg !== 'ES256') throw new Error('unknown checkpoint key');
      return importJWK(jwk, 'ES256');
    });
    if (protectedHeader.typ !== CHECKPOINT_TYPE) throw new Error('not an audit checkpoint');
    return JSON.parse(new TextDecoder().decode(payload)) as CheckpointClaims;
  }
}
