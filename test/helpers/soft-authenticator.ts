/**
 * A software WebAuthn authenticator for protocol tests without a browser: ES256 keys, "none"
 * attestation, user presence and verification flags, a signature counter it can be told to
 * reuse, and an origin it can be told to lie about (as a phishing site's browser would not).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

const b64u = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

export interface SoftCredential { id: string; key: KeyObject; rpId: string; userHandle: string; counter: number }

interface CreationOptions { challenge: string; rp: { id?: string }; user: { id: string } }
interface RequestOptions { challenge: string; rpId?: string; allowCredentials?: Array<{ id: string }> }

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(readonly origin: string, readonly opts: { backupEligible?: boolean } = {}) {}

  #flags(attested: boolean) {
    let f = 0x01 | 0x04; // user present, user verified
    if (this.opts.backupEligible) f |= 0x08 | 0x10; // backup eligible and backed up (a synced passkey)
    if (attested) f |= 0x40;
    return f;
  }

  #authData(rpId: string, counter: number, attested?: Buffer) {
    const head = Buffer.alloc(37);
    sha256(rpId).copy(head, 0);
    head[32] = this.#flags(Boolean(attested));
    head.writeUInt32BE(counter, 33);
    return attested ? Buffer.concat([head, attested]) : head;
  }

  #clientData(type: string, challenge: string, origin: string) {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create, answered as @simplewebauthn/browser would post it. */
  create(options: CreationOptions, origin = this.origin) {
    const rpId = options.rp.id ?? new URL(origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(new Map<number, number | Uint8Array>([
      [1, 2], [3, -7], [-1, 1], [-2, isoBase64URL.toBuffer(jwk.x!)], [-3, isoBase64URL.toBuffer(jwk.y!)],
    ]));
    const rawId = randomBytes(32);
    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(rawId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLen, rawId, Buffer.from(cose)]);
    const authData = this.#authData(rpId, 0, attested);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', new Uint8Array(authData)]]) as never);
    const id = b64u(rawId);
    this.credentials.push({ id, key: privateKey, rpId, userHandle: options.user.id, counter: 0 });
    return {
      id, rawId: id, type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64u(this.#clientData('webauthn.create', options.challenge, origin)), attestationObject: b64u(attestationObject), transports: ['internal'] },
    };
  }

  /** navigator.credentials.get with one of our credentials (the first allowed, or `credential`). */
  get(options: RequestOptions, o: { origin?: string; credential?: SoftCredential; counter?: number } = {}) {
    const cred = o.credential ?? this.credentials.find((c) => !options.allowCredentials || options.allowCredentials.some((a) => a.id === c.id));
    if (!cred) throw new Error('no credential for these options');
    cred.counter = o.counter ?? cred.counter + 1;
    const authData = this.#authData(options.rpId ?? cred.rpId, cred.counter);
    const clientData = this.#clientData('webauthn.get', options.challenge, o.origin ?? this.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), cred.key);
    return {
      id: cred.id, rawId: cred.id, type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64u(clientData), authenticatorData: b64u(authData), signature: b64u(signature), userHandle: cred.userHandle },
    };
  }
}
