/**
 * `client add|list|show|update|disable|enable|remove`: relying platforms are registered by
 * operators, not code. The registry applies the platform rules (oidc/platform-rules.ts) to every
 * registration, as for the admin API and the console.
 */
import { readFileSync } from 'node:fs';
import type { Container } from '../container.ts';
import type { ClientMetadata, ClientView } from '../oidc/client-registry.ts';
import { parseOptions, UsageError, type CommandIO } from './io.ts';
import type { CliOperator } from './operator.ts';

const OPTIONS = {
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'client-name': { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'grant-type': { type: 'string', multiple: true },
  'response-type': { type: 'string', multiple: true },
  'token-endpoint-auth-method': { type: 'string' },
  'backchannel-logout-uri': { type: 'string' },
  'backchannel-logout-session-required': { type: 'boolean' },
  'first-party': { type: 'boolean' },
  'not-first-party': { type: 'boolean' },
  'id-token-alg': { type: 'string' },
  'jwks-uri': { type: 'string' },
  'jwks-file': { type: 'string' },
  'subject-type': { type: 'string' },
  'application-type': { type: 'string' },
  scope: { type: 'string' },
  'minimum-acr': { type: 'string' },
  'minimum-aal': { type: 'string' },
  metadata: { type: 'string' },
  'rotate-secret': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseOptions<typeof OPTIONS>>['values'];

/** Turns command-line options into OIDC client metadata (RFC 7591 names). */
export function metadataFromOptions(v: Values): ClientMetadata {
  const m: ClientMetadata = {};
  if (v.metadata) {
    try { Object.assign(m, JSON.parse(v.metadata)); } catch { throw new UsageError('--metadata must be a JSON object'); }
  }
  const set = (key: string, value: unknown) => { if (value !== undefined) m[key] = value; };
  set('client_id', v['client-id']);
  set('client_secret', v['client-secret']);
  set('client_name', v['client-name']);
  set('redirect_uris', v['redirect-uri']);
  set('post_logout_redirect_uris', v['post-logout-redirect-uri']);
  set('grant_types', v['grant-type']);
  set('response_types', v['response-type']);
  set('token_endpoint_auth_method', v['token-endpoint-auth-method']);
  set('backchannel_logout_uri', v['backchannel-logout-uri']);
  set('backchannel_logout_session_required', v['backchannel-logout-session-required']);
  if (v['first-party']) m.first_party = true;
  if (v['not-first-party']) m.first_party = false;
  set('id_token_signed_response_alg', v['id-token-alg']);
  set('jwks_uri', v['jwks-uri']);
  if (v['jwks-file']) m.jwks = JSON.parse(readFileSync(v['jwks-file'], 'utf8'));
  set('subject_type', v['subject-type']);
  set('application_type', v['application-type']);
  set('scope', v.scope);
  set('minimum_acr', v['minimum-acr']);
  if (v['minimum-aal'] !== undefined) {
    if (!/^[1-3]$/.test(v['minimum-aal'])) throw new UsageError('--minimum-aal must be 1, 2 or 3');
    m.minimum_aal = Number(v['minimum-aal']);
  }
  return m;
}

function print(io: CommandIO, view: ClientView, json: boolean | undefined): void {
  if (json) { io.out(JSON.stringify(view, null, 2)); return; }
  io.out(`client_id: ${view.clientId}`);
  io.out(`secret: ${view.hasSecret ? '(set, stored encrypted)' : '(none)'}`);
  if (view.disabled) io.out('status: disabled');
  for (const [k, val] of Object.entries(view.metadata)) io.out(`${k}: ${Array.isArray(val) ? val.join(' ') : JSON.stringify(val)}`);
}

export async function clientCommand(args: string[], io: CommandIO, c: Container, op: CliOperator): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseOptions(rest, OPTIONS);
  switch (sub) {
    case 'add': {
      const meta = metadataFromOptions(values);
      if (!meta.redirect_uris && !(meta.grant_types as string[] | undefined)?.every((g) => g === 'client_credentials')) {
        throw new UsageError('client add needs at least one --redirect-uri (unless it only uses client_credentials)');
      }
      if ((meta.grant_types as string[] | undefined)?.every((g) => g === 'client_credentials')) {
        meta.response_types ??= [];
        meta.redirect_uris ??= [];
      }
      const res = await c.clients.add(meta);
      await c.audit.record({ actor: op.actor, action: 'client.added', target: res.clientId, detail: op.detail });
      if (values.json) io.out(JSON.stringify({ client_id: res.clientId, ...(res.generatedSecret ? { client_secret: res.generatedSecret } : {}) }));
      else {
        io.out(`client_id: ${res.clientId}`);
        if (res.generatedSecret) io.out(`client_secret: ${res.generatedSecret}\n(shown once: store it now)`);
      }
      return 0;
    }
    case 'list': {
      const list = await c.clients.list();
      if (values.json) io.out(JSON.stringify(list, null, 2));
      else for (const v of list) io.out(`${v.clientId}\t${String(v.metadata.client_name ?? '')}${v.disabled ? '\t(disabled)' : ''}\t${((v.metadata.redirect_uris as string[] | undefined) ?? []).join(' ')}`);
      return 0;
    }
    case 'show': {
      const id = positionals[0] ?? values['client-id'];
      if (!id) throw new UsageError('client show needs a client id');
      print(io, await c.clients.show(id), values.json);
      return 0;
    }
    case 'update': {
      const id = positionals[0] ?? values['client-id'];
      if (!id) throw new UsageError('client update needs a client id');
      const res = await c.clients.update(id, { ...metadataFromOptions(values), client_id: undefined }, { rotateSecret: values['rotate-secret'] });
      await c.audit.record({ actor: op.actor, action: 'client.updated', target: id, detail: { ...op.detail, rotatedSecret: Boolean(res.generatedSecret) } });
      print(io, await c.clients.show(id), values.json);
      if (res.generatedSecret) io.out(`client_secret: ${res.generatedSecret}\n(shown once: store it now)`);
      return 0;
    }
    case 'disable':
    case 'enable': {
      const id = positionals[0] ?? values['client-id'];
      if (!id) throw new UsageError(`client ${sub} needs a client id`);
      const changed = await c.clients.setDisabled(id, sub === 'disable');
      if (!changed) {
        io.out(`${id} was ${sub}d already`);
        return 0;
      }
      // Disabling also ends what the platform holds: its tokens and grants.
      if (sub === 'disable') await c.models.revokeClient(id);
      await c.audit.record({ actor: op.actor, action: `client.${sub}d`, target: id, detail: op.detail });
      io.out(sub === 'disable' ? `disabled ${id}; its tokens are revoked` : `enabled ${id}`);
      return 0;
    }
    case 'remove': {
      const id = positionals[0] ?? values['client-id'];
      if (!id) throw new UsageError('client remove needs a client id');
      await c.clients.remove(id);
      await c.models.revokeClient(id);
      await c.audit.record({ actor: op.actor, action: 'client.removed', target: id, detail: op.detail });
      io.out(`removed ${id}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown client command: ${sub ?? '(none)'}`);
  }
}
