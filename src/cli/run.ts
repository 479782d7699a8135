/** Dispatches CLI commands; in-process so tests can run them. */
import { loadConfig } from '../config.ts';
import { createContainer, keyRetentionSeconds, type Container } from '../container.ts';
import { createLogger } from '../logger.ts';
import { adminCommand, bootstrapCommand } from './admin-command.ts';
import { auditCommand } from './audit-command.ts';
import { channelCommand } from './channel-command.ts';
import { clientCommand } from './client-command.ts';
import { enterpriseCommand } from './enterprise-command.ts';
import { reencryptCommand } from './reencrypt-command.ts';
import { keysCommand } from './keys-command.ts';
import { personCommand } from './person-command.ts';
import { UsageError, type CommandIO } from './io.ts';
import { authorise, resolveOperator, rolesFor, takeOperatorOption, UNNAMED, type CliOperator } from './operator.ts';
import { AppError } from '../errors.ts';
import { migrateLatest, migrationConfig, openDatabase, pendingMigrations } from '../store/db.ts';

export const USAGE = `usage: npm run cli -- [--operator <person id | mobile | ID number>] <command>

  The operator (or YIHAO_OPERATOR) names the administrator acting: commands that change state
  need one of its roles and are audited as person:<id> (via cli). In production they refuse to
  run without one; elsewhere they run unnamed, audited as "cli". migrate, help and admin bootstrap
  need no operator.

  migrate [--rollback]            apply (or undo the last batch of) database migrations
  client add [options]            register a relying platform (prints a generated secret once)
  client list | show <id> | update <id> [options] | disable <id> | enable <id> | remove <id>
                                  a disabled platform gets no login, token or userinfo until enabled;
                                  disabling revokes its tokens
  person add --name N --id-number X --phone P --password-stdin
  person disable | enable <person-id | ID number | mobile>
                                  disabling ends every session, revokes every token, tells platforms
  person close-due                close the accounts whose closure request has waited out its cooling-off period
  enterprise claims [--credit-code C] | confirm <claim-id> --ref R | reject <claim-id> --ref R
  keys list | rotate [--alg ES256|RS256] | retire <kid>
                                  retire: a key no longer current leaves the published set at once
  reencrypt                       re-seal every encrypted field under FIELD_ENCRYPTION_KEY (after a key rotation)
  channel list | show <id> | health [--window-hours N] | enable <id> | disable <id> | remove <id>
  channel add --id I --kind K --name N --base-url U --app-id A --secret-stdin [channel options]
  channel update <id> [channel options] [--secret-stdin]
  audit verify [--archive FILE]   check the audit hash chain and its signed checkpoints (exit 1: broken)
  audit checkpoint                sign a checkpoint of the chain's head now
  audit archive --out FILE [--before DATE]
                                  archive events older than AUDIT_RETENTION_DAYS, then remove them
  audit query [--from D] [--to D] [--actor A] [--target T] [--action X] [--format jsonl|csv]
  admin bootstrap --person P --security-admin Q
                                  the founders: P system administrator, Q security administrator
                                  (two people); only while no system administrator exists
  admin roles list [--status pending|active|revoked] [--person P] [--json]
  admin roles request --person P --role R [--platform CLIENT_ID (repeatable)] [--reason T]
  admin roles approve <grant-id> | revoke <grant-id> [--reason T]
                                  revoke withdraws a pending request, or requests an active role's
                                  revocation, which a second administrator approves (approve)
                                  roles: system_admin security_admin auditor counter_operator
                                  platform_manager; a request takes effect once a second
                                  administrator approves it; revocation is immediate

roles needed (any one): client add|update|remove|disable|enable, channel changes, keys rotate|retire, reencrypt,
  person close-due, audit checkpoint|archive: system_admin; person add|disable|enable:
  security_admin; enterprise confirm|reject: security_admin or counter_operator; audit query:
  auditor; audit verify: auditor or system_admin; admin roles request|approve|revoke:
  security_admin (system_admin while fewer than two security administrators exist)

client options: --client-id --client-secret --client-name --redirect-uri (repeatable)
  --post-logout-redirect-uri (repeatable) --grant-type (repeatable) --response-type
  --token-endpoint-auth-method --backchannel-logout-uri --first-party --id-token-alg
  --jwks-uri --jwks-file --subject-type --application-type --scope --minimum-acr <acr>
  --minimum-aal 1|2|3 (2: a second factor, 3: a passkey)
  --metadata '<json>' (any other client metadata, e.g. {"managed_platforms": ["yh_…"]} for a
  platform-manager client) --rotate-secret (update) --json
  redirect and post-logout URIs: https, no fragment, no wildcard; http only on 127.0.0.1, [::1]
  or localhost outside production. Role scopes (client_credentials, resource urn:yihao:admin):
  admin:system admin:security admin:audit admin:counter admin:platforms; admin:audit alone

channel options: --priority N (lower is preferred) --enabled | --disabled --timeout-ms
  --max-retries --daily-quota N | --no-daily-quota --max-concurrency --breaker-threshold
  --breaker-open-ms --json; kinds: population face bank_card carrier business_registry
  social_security counter sms`;

/**
 * Commands need the schema as `npm start` does: outside production pending migrations are applied
 * (an operator registering the first platform on a fresh embedded database, before any start);
 * production leaves schema changes to an explicit `npm run migrate`.
 */
async function ensureSchema(c: Container, io: CommandIO): Promise<void> {
  const pending = await pendingMigrations(c.db.knex);
  if (!pending.length) return;
  if (c.config.env === 'production') {
    throw new AppError('db.migrations_pending', `database schema is behind (${pending.join(', ')}); run \`npm run migrate\` first`);
  }
  const applied = await migrateLatest(c.db.knex);
  io.err(`applied migrations: ${applied.join(', ')}`); // stderr: stdout stays the command's result
}

export async function runCli(fullArgv: string[], io: CommandIO, env: Record<string, string | undefined> = process.env): Promise<number> {
  const { argv, ref } = takeOperatorOption(fullArgv);
  const operatorRef = ref ?? (env.YIHAO_OPERATOR?.trim() || undefined);
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig(env, { logLevel: 'warn' });
  if (command === 'migrate') {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 1 });
    try {
      if (rest.includes('--rollback')) {
        const [, undone] = await db.knex.migrate.rollback(migrationConfig);
        io.out(undone.length ? `rolled back: ${undone.join(', ')}` : 'nothing to roll back');
      } else {
        const applied = await migrateLatest(db.knex);
        io.out(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      }
    } finally {
      await db.close();
    }
    return 0;
  }
  // Key changes need no database, unless an operator has to be checked (and audited).
  const unnamedKeyChange = !operatorRef && config.env !== 'production';
  if (command === 'keys' && (rest[0] === 'rotate' || rest[0] === 'retire') && unnamedKeyChange) return keysCommand(rest, io, config.keysDir, keyRetentionSeconds(config));

  const handlers: Record<string, (args: string[], io: CommandIO, c: Container, op: CliOperator) => Promise<number>> = {
    client: clientCommand,
    person: personCommand,
    channel: channelCommand,
    enterprise: enterpriseCommand,
    reencrypt: reencryptCommand,
    audit: auditCommand,
    keys: async (args, cio, c, op) => {
      const code = await keysCommand(args, cio, c.config.keysDir, keyRetentionSeconds(c.config));
      if (code === 0 && args[0] === 'rotate') await c.audit.record({ actor: op.actor, action: 'keys.rotated', detail: op.detail });
      if (code === 0 && args[0] === 'retire') await c.audit.record({ actor: op.actor, action: 'keys.retired', target: args[1], detail: op.detail });
      return code;
    },
    admin: adminCommand,
  };
  const bootstrap = command === 'admin' && rest[0] === 'bootstrap';
  const handler = bootstrap ? (args: string[], cio: CommandIO, c: Container) => bootstrapCommand(args.slice(1), cio, c) : handlers[command];
  if (!handler) throw new UsageError(`unknown command: ${command}`);
  // An operator's command (re-encrypting every row, archiving the audit trail) may run long
  // statements: the request-sized statement timeout is for the server only.
  const container = await createContainer({ ...config, dbStatementTimeoutMs: 0 }, { logger: createLogger('warn') });
  try {
    await ensureSchema(container, io);
    const op = operatorRef && !bootstrap ? await resolveOperator(container, operatorRef) : UNNAMED;
    authorise(op, rolesFor(command, rest[0]), config.env === 'production');
    return await handler(rest, io, container, op);
  } finally {
    await container.close();
  }
}

