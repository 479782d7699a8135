/**
 * The schema's history. Migrations are imported statically (not discovered on disk) so the same
 * list works under tsx, vitest and a compiled build.
 */
import type { Knex } from 'knex';
import * as foundation from './20261123_001_foundation.ts';
import * as legalPersons from './20261123_002_legal_persons.ts';
import * as verification from './20261123_003_verification.ts';
import * as accountConsole from './20261123_004_account_console.ts';
import * as changeNotices from './20261123_005_change_notices.ts';
import * as passwordRecovery from './20261123_006_password_recovery.ts';
import * as lockouts from './20261124_007_lockouts.ts';
import * as oneTimeSecrets from './20261129_001_one_time_secrets.ts';
import * as secondFactors from './20261130_001_second_factors.ts';
import * as passkeys from './20261130_001_passkeys.ts';
import * as auditChain from './20261201_001_audit_chain.ts';
import * as smsLogin from './20261130_001_sms_login.ts';
import * as registrationProofing from './20261202_001_registration_proofing.ts';
import * as accountClosure from './20261202_002_account_closure.ts';
import * as accountReclaims from './20261203_010_account_reclaims.ts';
import * as adminApi from './20261203_040_admin_api.ts';
import * as counterDesk from './20261203_050_counter_desk.ts';
import * as dashboardIndexes from './20261203_051_dashboard_indexes.ts';
import * as adminRoleGrants from './20261203_030_admin_role_grants.ts';
import * as roleRevocationRequests from './20261203_031_role_revocation_requests.ts';
import * as guardiansProxies from './20261203_020_guardians_proxies.ts';

interface Migration { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> }

const migrations: Array<[string, Migration]> = [
  ['20261123_001_foundation', foundation],
  ['20261123_002_legal_persons', legalPersons],
  ['20261123_003_verification', verification],
  ['20261123_004_account_console', accountConsole],
  ['20261123_005_change_notices', changeNotices],
  ['20261123_006_password_recovery', passwordRecovery],
  ['20261124_007_lockouts', lockouts],
  ['20261129_001_one_time_secrets', oneTimeSecrets],
  ['20261130_001_second_factors', secondFactors],
  ['20261130_001_passkeys', passkeys],
  ['20261201_001_audit_chain', auditChain],
  ['20261130_001_sms_login', smsLogin],
  ['20261202_001_registration_proofing', registrationProofing],
  ['20261202_002_account_closure', accountClosure],
  ['20261203_010_account_reclaims', accountReclaims],
  ['20261203_040_admin_api', adminApi],
  ['20261203_050_counter_desk', counterDesk],
  ['20261203_051_dashboard_indexes', dashboardIndexes],
  ['20261203_030_admin_role_grants', adminRoleGrants],
  ['20261203_031_role_revocation_requests', roleRevocationRequests],
  ['20261203_020_guardians_proxies', guardiansProxies],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => migrations,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
