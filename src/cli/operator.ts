/**
 * The CLI acts as a named operator: `--operator <person id | mobile | ID number>` (anywhere on the
 * command line) or YIHAO_OPERATOR names an administrator's account. Commands that change state
 * (and the audit trail's reading) require one of the roles of ROLE_OF_COMMAND, and audit the
 * actor `person:<id>` with `{ via: 'cli' }`. Without an operator, outside production, they run as
 * before with the actor `cli` (the quick start needs no administrator); production refuses them.
 */
import type { Container } from '../container.ts';
import { AppError } from '../errors.ts';
import { findPerson } from '../admin/console/people.ts';
import { personActor } from '../admin/role-grants.ts';
import type { AdminRole } from '../admin/roles.ts';
import { UsageError } from './io.ts';

export interface CliOperator {
  /** `person:<id>` for a named operator, `cli` for the unnamed development fallback. */
  actor: string;
  personId?: string;
  /** What every audit event of the command adds: `{ via: 'cli' }` for a named operator. */
  detail: Record<string, unknown>;
  roles: ReadonlySet<AdminRole>;
}

/** Removes `--operator X` / `--operator=X` from argv; the value, if any. */
export function takeOperatorOption(argv: string[]): { argv: string[]; ref?: string } {
  const rest: string[] = [];
  let ref: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--operator') {
      ref = argv[++i];
      if (!ref) throw new UsageError('--operator needs a person id, mobile number or ID number');
    } else if (a.startsWith('--operator=')) ref = a.slice('--operator='.length);
    else rest.push(a);
  }
  return { argv: rest, ...(ref ? { ref } : {}) };
}

/**
 * The roles a command needs (any one of them); undefined for commands that only read. The
 * auditor's reading of the trail is guarded too: it is the auditor's duty alone.
 */
export function rolesFor(command: string, sub: string | undefined): AdminRole[] | undefined {
  const table: Record<string, Record<string, AdminRole[]>> = {
    client: { add: ['system_admin'], update: ['system_admin'], remove: ['system_admin'], disable: ['system_admin'], enable: ['system_admin'] },
    person: { add: ['security_admin'], disable: ['security_admin'], enable: ['security_admin'], 'close-due': ['system_admin'] },
    enterprise: { confirm: ['security_admin', 'counter_operator'], reject: ['security_admin', 'counter_operator'] },
    keys: { rotate: ['system_admin'], retire: ['system_admin'] },
    reencrypt: { '': ['system_admin'] },
    channel: { add: ['system_admin'], update: ['system_admin'], enable: ['system_admin'], disable: ['system_admin'], remove: ['system_admin'] },
    audit: { checkpoint: ['system_admin'], archive: ['system_admin'], query: ['auditor'], verify: ['auditor', 'system_admin'] },
  };
  const entry = table[command];
  return entry?.[sub ?? ''] ?? entry?.[''];
}

export const UNNAMED: CliOperator = { actor: 'cli', detail: {}, roles: new Set() };

/** The named operator's account and its roles now; refused unless active with a role. */
export async function resolveOperator(c: Container, ref: string): Promise<CliOperator> {
  const person = await findPerson(c.persons, ref);
  const principal = person?.status === 'active' ? await c.roleGrants.principal(person.id) : undefined;
  if (!person || !principal?.roles.size) throw new AppError('admin.operator_unknown', 'the operator must be an active account holding an administrative role');
  return { actor: personActor(person.id), personId: person.id, detail: { via: 'cli' }, roles: principal.roles };
}

/** Checks the operator may run a command needing `roles` (production: an operator must be named). */
export function authorise(op: CliOperator, roles: AdminRole[] | undefined, production: boolean): void {
  if (!roles) return;
  if (!op.personId) {
    if (production) throw new AppError('admin.operator_required', 'name the operator with --operator or YIHAO_OPERATOR');
    return;
  }
  if (!roles.some((r) => op.roles.has(r))) throw new AppError('admin.role_required', `the operator needs one of these roles: ${roles.join(', ')}`);
}
