/** Development secrets, generated once and kept in DATA_DIR (config.ts refuses them in production). */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Development secrets persist in DATA_DIR so a restart does not make stored data unreadable. */
export function devSecrets(dataDir: string): { cookieKeys: string[]; fieldKey: string; subjectSalt: string } {
  const file = path.join(dataDir, 'dev-secrets.json');
  const stored = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const secrets = {
    cookieKeys: [randomBytes(32).toString('base64url')],
    fieldKey: randomBytes(32).toString('base64'),
    subjectSalt: randomBytes(32).toString('base64url'),
    ...stored,
  };
  if (Object.keys(stored).length < Object.keys(secrets).length) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  }
  return secrets;
}
