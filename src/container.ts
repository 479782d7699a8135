/** Plain factories wiring the database, stores, domain services and the provider. */
import { availableParallelism } from 'node:os';
import { AccountClient } from './account/account-client.ts';
import { AdminConsoleClient } from './admin/console/admin-client.ts';
import { RoleGrants } from './admin/role-grants.ts';
import { RoleGrantStore } from './store/admin-role-grants.ts';
import { Audit } from './audit/audit.ts';
import { AuditTrail } from './audit/audit-trail.ts';
import { CheckpointSigner } from './audit/checkpoint-signer.ts';
import { PasswordLogin } from './authn/password-login.ts';
import { PasswordHasher } from './authn/password.ts';
import { Throttle } from './authn/throttle.ts';
import type { Config } from './config.ts';
import { FieldCrypto } from './crypto/field-crypto.ts';
import { ensureSigningKeys } from './crypto/signing-keys.ts';
import { ActingRoles } from './identity/acting-roles.ts';
import type { PersonRoles } from './identity/person-roles.ts';
import { createNaturalPersons, type NaturalPersonModule } from './container-natural-persons.ts';
import { PasswordRecovery } from './authn/password-recovery.ts';
import { RecoveryCodeStore } from './store/recovery-codes.ts';
import { OneTimeCodes } from './authn/one-time-codes.ts';
import { OneTimeSecretStore } from './store/one-time-secrets.ts';
import { PasskeyStore } from './store/passkeys.ts';
import { Passkeys } from './authn/passkeys.ts';
import { PasskeyAssertions } from './authn/passkey-assertion.ts';
import { SmsSender } from './verification/sms-sender.ts';
import { SmsDelivery } from './verification/sms-delivery.ts';
import { SmsCodes } from './authn/sms-codes.ts';
import { PhoneChange } from './authn/phone-change.ts';
import { LoginDevices } from './authn/login-devices.ts';
import { DeviceStore } from './store/devices.ts';
import { DelegationService } from './identity/delegations.ts';
import { EnterpriseService } from './identity/enterprises.ts';
import { PersonService } from './identity/persons.ts';
import { RepresentationPolicy } from './identity/representation-policy.ts';
import { Registration } from './identity/registration.ts';
import { Reclaim } from './identity/reclaim.ts';
import { AccountReclaimStore } from './store/account-reclaims.ts';
import { representationMinimums, registrationChecks } from './verification/assurance-ladder.ts';
import { PendingRegistrationStore } from './store/pending-registrations.ts';
import { DelegationStore } from './store/delegations.ts';
import { EnterpriseStore } from './store/enterprises.ts';
import { createLogger, type Logger } from './logger.ts';
import { joinAggregation } from './metrics/cluster.ts';
import { Metrics } from './metrics/metrics.ts';
import { createVerification, type VerificationModule } from './container-verification.ts';
import { createSecondFactors, type SecondFactorModule } from './container-factors.ts';
import { createDesk, type DeskModule } from './container-desk.ts';
import { findAccountWith } from './oidc/account.ts';
import { adapterFactory } from './oidc/adapter.ts';
import { ClientMetadataCache } from './oidc/client-cache.ts';
import { ClientRegistry } from './oidc/client-registry.ts';
import { buildProvider } from './oidc/provider.ts';
import { ProviderHolder } from './oidc/provider-holder.ts';
import { auditTokenEvents } from './oidc/token-audit.ts';
import { SessionsService } from './oidc/sessions-service.ts';
import { AccountStatus } from './identity/account-status.ts';
import { AccountClosure } from './identity/account-closure.ts';
import { AccountClosureStore } from './store/account-closures.ts';
import { PersonalDataStore } from './store/personal-data.ts';
import { AuditStore } from './store/audit.ts';
import { ChangeFeed } from './store/change-feed.ts';
import { ClientStore } from './store/clients.ts';
import { openDatabase, type Database } from './store/db.ts';
import { isDatabaseUnavailable } from './store/unavailable.ts';
import { OidcModelStore } from './store/oidc-models.ts';
import { PersonStore } from './store/persons.ts';
import { RateLimitStore } from './store/rate-limits.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Provider-side failures are otherwise invisible: log them (never shown to the client). */
function observe(provider: ReturnType<typeof buildProvider>, logger: Logger, audit: Audit) {
  auditTokenEvents(provider, audit);
  provider.on('server_error', (_ctx, err) => {
    // An outage (answered 503 by mount.ts) is expected on every request while it lasts: one line.
    if (isDatabaseUnavailable(err)) logger.warn({ reason: err.message }, 'provider: database unavailable');
    else logger.error({ err }, 'provider server_error');
  });
  return provider;
}

export interface Container {
  config: Config;
  logger: Logger;
  db: Database;
  crypto: FieldCrypto;
  models: OidcModelStore;
  limits: RateLimitStore;
  /** Reserve → check → release/fail for every credential check (authn/throttle.ts). */
  throttle: Throttle;
  persons: PersonService;
  login: PasswordLogin;
  clients: ClientRegistry;
  audit: Audit;
  /** This process's Prometheus metrics (served at /metrics). */
  metrics: Metrics;
  /** Verifying, checkpointing, archiving and querying the audit chain (operators, auditors). */
  auditTrail: AuditTrail;
  provider: ProviderHolder;
  enterprises: EnterpriseService;
  delegations: DelegationService;
  /** Who may claim an enterprise or accept an agent authorisation (assurance minimums). */
  representation: RepresentationPolicy;
  /** Two-step registration: phone proven by SMS code, real-name check, then the account. */
  registration: Registration;
  /** Reclaiming a squatted ID number: online at a higher level, or at a counter (reclaim.ts). */
  reclaim: Reclaim;
  actingRoles: ActingRoles;
  /** Natural persons a person may act for (guardians, assisted service) and their choice per platform. */
  personRoles: PersonRoles;
  /** Guardianships, assisted-service authorisations and their policy (container-natural-persons.ts). */
  naturalPersons: NaturalPersonModule;
  recovery: PasswordRecovery;
  /** The single-use primitive for codes sent to people and values accepted once. */
  oneTimeCodes: OneTimeCodes;
  /** The second factors a person enrols: authenticator app, recovery codes (container-factors.ts). */
  factors: SecondFactorModule;
  /** A person's passkeys (registration, names, removal) and checking their assertions. */
  passkeys: Passkeys;
  passkeyAssertions: PasskeyAssertions;
  /** Codes texted to the bound phone: SMS login, second factor, phone proof. */
  smsCodes: SmsCodes;
  /** Moving an account to a new, proven mobile number. */
  phoneChange: PhoneChange;
  /** Devices behind logins: session list, new-device notice. */
  loginDevices: LoginDevices;
  /** Ending SSO sessions and revoking grants: every logout that is not the provider's own. */
  sessions: SessionsService;
  /** Disabling and enabling accounts. */
  accounts: AccountStatus;
  /** Closing accounts at their owner's request, after the cooling-off period. */
  closures: AccountClosure;
  /** Reads for the person's own data export (the account console's "download my data"). */
  personalData: PersonalDataStore;
  /** Channels, evidence, assurance levels, checks (container-verification.ts). */
  verification: VerificationModule;
  /** argon2id with the configured cost (the account page's password change hashes with it). */
  hasher: PasswordHasher;
  /** The account console's built-in OIDC client (src/account/). */
  accountClient: AccountClient;
  /** The counter desk (窗口) and the dashboard's numbers (container-desk.ts). */
  desk: DeskModule;
  /** Administrators' roles: requests, second-administrator approvals, revocations (admin/role-grants.ts). */
  roleGrants: RoleGrants;
  /** The admin console's built-in OIDC client (src/admin/console/). */
  adminClient: AdminConsoleClient;
  close(): Promise<void>;
}

interface TarnPool { numUsed(): number; numFree(): number; numPendingAcquires(): number; numPendingCreates(): number }

/** The knex pool's use now (its pool is tarn's; absent before the first query). */
function poolUse(db: Database) {
  const pool = (db.knex.client as { pool?: TarnPool }).pool;
  return pool ? { used: pool.numUsed(), free: pool.numFree(), pending: pool.numPendingAcquires() + pool.numPendingCreates() } : { used: 0, free: 0, pending: 0 };
}

/** How long a retired signing key stays published: longer than any token it can have signed. */
export const keyRetentionSeconds = (config: Config) => Math.max(config.ttl.idToken, config.ttl.accessToken) + 3600;

export async function createContainer(config: Config, opts: { database?: Database; logger?: Logger } = {}): Promise<Container> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const db = opts.database ?? await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.dbPoolMax, statementConnections: config.dbStatementConnections, connectTimeoutMs: config.dbConnectTimeoutMs, statementTimeoutMs: config.dbStatementTimeoutMs || undefined });
  const crypto = new FieldCrypto(config.fieldKeys);
  // Change notices let each process cache what every request reads (clients, tokens, grants,
  // sessions, persons); the embedded database serves a single process and is read through.
  const changes = db.kind === 'postgres' ? new ChangeFeed(db.knex, (err) => logger.warn({ err }, 'change feed unavailable; caches bypassed')) : undefined;
  const models = new OidcModelStore(db.knex, changes);
  const limits = new RateLimitStore(db.knex);
  // Keyed hashes: the counter table holds no identifier or address, even for unknown identifiers.
  const throttle = new Throttle(limits, (text) => crypto.blindIndex(text, 'throttle.key'));
  const personStore = new PersonStore(db.knex, changes);
  // Workers share the cores: each runs its share of hashes at once (password.ts says why).
  const hasher = new PasswordHasher(config.argon2, Math.max(1, Math.ceil(availableParallelism() / config.workers)));
  const persons = new PersonService(personStore, crypto, hasher);
  const enterpriseStore = new EnterpriseStore(db.knex);
  const delegationStore = new DelegationStore(db.knex);
  const actingRoles = new ActingRoles(enterpriseStore, delegationStore);
  const login = new PasswordLogin(persons, hasher, throttle, (id, hash) => persons.setPassword(id, hash), config.loginLimits);
  // Production registers https redirect URIs only; a production server on a loopback http issuer
  // (ALLOW_HTTP_LOOPBACK_ISSUER: a test deployment) accepts loopback ones like development.
  const clients = new ClientRegistry(new ClientStore(db.knex), crypto, { production: config.env === 'production' && config.issuer.startsWith('https:') });
  const clientCache = new ClientMetadataCache(clients, changes);
  clients.onChange = (clientId) => clientCache.invalidate(clientId);
  const auditStore = new AuditStore(db.knex);
  const audit = new Audit(auditStore, logger);
  const auditTrail = new AuditTrail(auditStore, new CheckpointSigner(config.keysDir, config.issuer));
  const verification = createVerification({ config, db, crypto, persons, limits, audit, logger, changes });
  const representation = new RepresentationPolicy(async (personId) => (await verification.assurance.levelOf(personId)).index,
    representationMinimums(verification.ladder));
  const enterprises = new EnterpriseService(enterpriseStore, delegationStore, persons, representation);
  const delegations = new DelegationService(delegationStore, enterpriseStore, persons, crypto, representation);
  const metrics = new Metrics({ pool: () => poolUse(db), breakers: () => verification.registry.breakerStates() });
  joinAggregation(metrics.registry);
  audit.observe((event) => metrics.countLogin(event));
  verification.registry.onAttempt(({ channelId, kind, outcome }) => metrics.verifications.inc({ channel: channelId, kind, outcome }));
  const sms = new SmsSender(verification.registry, () => verification.channelSync.ready());
  const oneTimeCodes = new OneTimeCodes(new OneTimeSecretStore(db.knex), (id, code) => crypto.blindIndex(code, `one-time-code:${id}`));
  const passkeyStore = new PasskeyStore(db.knex);
  const passkeys = new Passkeys(passkeyStore, persons, audit, config.issuer);
  const passkeyAssertions = new PasskeyAssertions(passkeyStore, persons, throttle, config.issuer);

  const factors = createSecondFactors({ config, db, crypto, throttle, oneTimeCodes, audit });

  const smsDelivery = new SmsDelivery(sms, verification.registry, () => verification.channelSync.ready(), config.env === 'production', logger);
  const smsCodes = new SmsCodes({
    persons, codes: oneTimeCodes, throttle, delivery: smsDelivery,
    subjectHash: (text) => crypto.blindIndex(text, 'sms-code.subject'),
    onSendFailure: (err) => logger.warn({ err }, 'SMS code not delivered'),
  });
  const naturalPersons = createNaturalPersons({ db, crypto, persons, smsCodes, clients, verification, audit });
  const { personRoles } = naturalPersons;

  await ensureSigningKeys(config.keysDir);
  const adapter = adapterFactory(models, clientCache);
  const findAccount = findAccountWith(persons, verification.assurance, actingRoles, personRoles, config.subjectSalt);
  const provider = new ProviderHolder(config.keysDir, keyRetentionSeconds(config),
    (jwks) => observe(buildProvider({ config, jwks, adapter, findAccount, assurance: verification.assurance, actingRoles, personRoles }), logger, audit), logger);
  const deviceStore = new DeviceStore(db.knex);
  const sessions = new SessionsService(models, () => provider.current, audit, logger, (accountId) => deviceStore.sessionsOf(accountId));
  const loginDevices = new LoginDevices({
    store: deviceStore, persons, audit, newDeviceSms: config.newDeviceSms, sessionTtlSeconds: config.ttl.session,
    deviceHash: (id) => crypto.blindIndex(id, 'device.id'),
    sendNotice: (mobile, params, personId) => smsDelivery.send(mobile, 'new_device', params, personId),
    onNoticeFailure: (err) => logger.warn({ err }, 'new-device notice not delivered'),
  });
  const phoneChange = new PhoneChange({
    persons, smsCodes, audit,
    notify: (mobile, params, personId) => smsDelivery.send(mobile, 'phone_changed', params, personId),
    onNoticeFailure: (err) => logger.warn({ err }, 'phone-change notice not delivered'),
  });
  const reclaim = new Reclaim({
    store: new AccountReclaimStore(db.knex), persons, throttle, audit, ladder: verification.ladder,
    levelOf: async (personId) => (await verification.assurance.levelOf(personId)).index,
    enabledKinds: (kinds) => verification.service.enabledKinds(kinds),
    check: (claimant, check, ctx) => verification.service.checkClaimant(claimant, check, ctx),
    attach: (ids, personId) => verification.evidence.attach(ids, personId),
    hashPassword: (password) => hasher.hash(password),
    endEverything: async (personId, by) => {
      const ended = await sessions.endAll(personId, { reason: 'account_reclaimed', actor: by.actor, ip: by.ip });
      // What the previous holder declared over others goes too: guardianships, assisted-service grants.
      await naturalPersons.endAllOf(personId, by.actor);
      return ended;
    },
    forgetLoginFailures: (personId, ip) => login.forgetFailures(personId, ip),
    notify: (mobile, params, personId) => smsDelivery.send(mobile, 'account_reclaimed', params, personId),
    onNoticeFailure: (err) => logger.warn({ err }, 'reclaim notice not delivered'),
  });
  const registration = new Registration({
    persons, store: new PendingRegistrationStore(db.knex), smsCodes, throttle, reclaim,
    realName: {
      setting: config.registrationRealName,
      kinds: registrationChecks(verification.ladder),
      enabledKinds: (kinds) => verification.service.enabledKinds(kinds),
      check: (applicant, kinds, ctx) => verification.service.checkApplicant(applicant, kinds, ctx),
      attach: (ids, personId) => verification.evidence.attach(ids, personId),
    },
  });
  const recovery = new PasswordRecovery({
    persons, hasher, throttle, codes: new RecoveryCodeStore(db.knex),
    forgetLoginFailures: (personId, ip) => login.forgetFailures(personId, ip),
    codeHash: (id, code) => crypto.blindIndex(code, `recovery.code:${id}`),
    sendSms: (mobile, code, personId) => sms.send(mobile, 'password_reset', { code }, personId),
    endSessions: (personId, ip) => sessions.endAll(personId, { reason: 'password_reset', actor: personId, ip }),
  });
  const accounts = new AccountStatus(persons, audit,
    (personId, by) => sessions.endAll(personId, { reason: 'account_disabled', actor: by.actor, ip: by.ip }));
  const closures = new AccountClosure({
    store: new AccountClosureStore(db.knex), persons, audit, coolingOffDays: config.accountClosureCoolingOffDays,
    endEverything: async (personId, by) => {
      const ended = await sessions.endAll(personId, { reason: 'account_closed', actor: by.actor, ip: by.ip });
      // A closed account acts for no one any more: its guardianships end, its authorisations are revoked.
      await naturalPersons.endAllOf(personId, by.actor);
      return ended;
    },
  });
  const personalData = new PersonalDataStore(db.knex);
  clients.validator = async (metadata) => { await provider.current.Client.validate(metadata as Parameters<typeof provider.current.Client.validate>[0]); };
  // Registered when the app is built (after migrations), and again at first use if that failed.
  const accountClient = new AccountClient(clients, config.issuer);
  const desk = createDesk({ config, db, crypto, persons, enterprises, verification, audit, throttle, reclaim });

  const adminClient = new AdminConsoleClient(clients, config.issuer);
  const roleGrants = new RoleGrants({
    store: new RoleGrantStore(db.knex), audit,
    personActive: async (id) => UUID.test(id) && (await persons.get(id))?.status === 'active',
    platformExists: async (clientId) => (await clients.providerMetadata(clientId)) !== undefined,
  });

  return {
    config, logger, db, crypto, models, limits, throttle, persons, login, clients, audit, auditTrail, metrics, provider, verification,
    enterprises, delegations, representation, registration, reclaim, actingRoles, personRoles, naturalPersons, recovery, oneTimeCodes, factors, passkeys, passkeyAssertions, smsCodes, phoneChange, loginDevices, sessions, accounts, closures, personalData, hasher, accountClient, desk, roleGrants, adminClient,
    async close() {
      provider.stop();
      await audit.drain();
      await verification.close();
      await changes?.close();
      if (!opts.database) await db.close();
    },
  };
}
