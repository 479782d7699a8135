/**
 * Apache httpd with mod_auth_openidc (Debian packages apache2, libapache2-mod-auth-openidc): the
 * relying party many government sites actually deploy, configured only with standard settings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, tmpDir } from './env.ts';

const HTTPD = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';
export const hasModAuthOpenidc = existsSync(HTTPD) && existsSync(`${MODULES}/mod_auth_openidc.so`);

export interface Apache { url: string; redirectUri: string; stop(): Promise<void>; log(): string }

/** Writes a config for `clientId`, registered with redirect URI `redirectUri`, and starts httpd. */
export async function startApache(issuer: string, register: (redirectUri: string) => Promise<{ clientId: string; clientSecret: string }>): Promise<Apache> {
  const dir = tmpDir('yh-httpd-');
  chmodSync(dir, 0o755);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const redirectUri = `${url}/protected/redirect_uri`;
  const { clientId, clientSecret } = await register(redirectUri);
  mkdirSync(path.join(dir, 'htdocs/protected'), { recursive: true });
  writeFileSync(path.join(dir, 'htdocs/protected/index.html'), '<!DOCTYPE html><title>protected</title><h1 id="ok">protected page</h1>');
  const conf = `
ServerRoot ${dir}
Listen 127.0.0.1:${port}
ServerName 127.0.0.1
User www-data
Group www-data
PidFile ${dir}/httpd.pid
ErrorLog ${dir}/error.log
LogLevel warn auth_openidc:info
LoadModule mpm_event_module ${MODULES}/mod_mpm_event.so
LoadModule authn_core_module ${MODULES}/mod_authn_core.so
LoadModule authz_core_module ${MODULES}/mod_authz_core.so
LoadModule authz_user_module ${MODULES}/mod_authz_user.so
LoadModule headers_module ${MODULES}/mod_headers.so
LoadModule auth_openidc_module ${MODULES}/mod_auth_openidc.so
DocumentRoot ${dir}/htdocs
OIDCProviderMetadataURL ${issuer}/.well-known/openid-configuration
OIDCClientID ${clientId}
OIDCClientSecret ${clientSecret}
OIDCRedirectURI ${redirectUri}
OIDCCryptoPassphrase ${randomBytes(24).toString('hex')}
OIDCScope "openid profile"
OIDCPKCEMethod S256
OIDCRemoteUserClaim sub
OIDCPassClaimsAs environment base64url
<Location /protected>
  AuthType openid-connect
  Require valid-user
  Header always set X-Oidc-Name "expr=%{reqenv:OIDC_CLAIM_name}"
</Location>
`;
  writeFileSync(path.join(dir, 'httpd.conf'), conf);
  const child: ChildProcess = spawn(HTTPD, ['-X', '-f', path.join(dir, 'httpd.conf')], { env: { PATH: process.env.PATH! } });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`apache exited: ${out}`);
    try { await fetch(`${url}/`); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  return {
    url,
    redirectUri,
    log: () => out,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
