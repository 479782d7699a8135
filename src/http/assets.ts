/** The few static files the pages use, read once and served with a long cache lifetime. */
import Router from '@koa/router';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../views/assets');
const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.js': 'text/javascript; charset=utf-8' };

/**
 * Files served from installed packages under a name of ours: the passkey pages' WebAuthn
 * helper (the browser bundle, global SimpleWebAuthnBrowser), so no page loads a script from
 * another site. The package exports no subpath, so it is found from its entry point.
 */
const require = createRequire(import.meta.url);
const PACKAGED: Record<string, () => string> = {
  'webauthn.js': () => path.join(path.dirname(require.resolve('@simplewebauthn/browser')), '../dist/bundle/index.umd.min.js'),
};

export function assetsRouter(): Router {
  const router = new Router();
  const files = new Map<string, Buffer>();
  router.get('/assets/:file', (ctx) => {
    const name = path.basename(ctx.params.file ?? '');
    const type = TYPES[path.extname(name)];
    if (!type) return;
    if (!files.has(name)) {
      try { files.set(name, readFileSync(PACKAGED[name]?.() ?? path.join(DIR, name))); } catch { return; }
    }
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = files.get(name);
  });
  return router;
}
