/** A platform's back-channel logout endpoint in tests: keeps every logout token it receives, verified. */
import http from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface LogoutReceiver {
  /** Base URL; register `${url}/<name>` as a platform's backchannel_logout_uri. */
  url: string;
  /** Raw tokens as posted, with the path they were posted to. */
  received: Array<{ path: string; token: string }>;
  /** The received tokens for one audience, each verified against the issuer's published keys. */
  tokensFor(issuer: string, clientId: string): Promise<JWTPayload[]>;
  close(): void;
}

export async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const received: LogoutReceiver['received'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ path: req.url!, token: new URLSearchParams(body).get('logout_token') ?? '' });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    received,
    async tokensFor(issuer, clientId) {
      const keys = createRemoteJWKSet(new URL(`${issuer}/jwks`));
      const out: JWTPayload[] = [];
      for (const { token } of received) {
        const [, body] = token.split('.');
        const aud = (JSON.parse(Buffer.from(body ?? '', 'base64url').toString() || '{}') as JWTPayload).aud;
        if (aud !== clientId) continue;
        // Signature, issuer, audience and the logout token's own type (RFC 8417 / OIDC BCL 1.0).
        const { payload } = await jwtVerify(token, keys, { issuer, audience: clientId, typ: 'logout+jwt' });
        out.push(payload);
      }
      return out;
    },
    close: () => server.close(),
  };
}
