/**
 * `admin bootstrap`: the founders, from the host, while no system administrator exists.
 * `admin roles list|request|approve|revoke`: administrators' roles as the named operator (the
 * rules are RoleGrants': authority, second approver, no self-grant, auditor exclusivity).
 */
import { findPerson } from '../admin/console/people.ts';
import type { GrantView } from '../admin/role-grants.ts';
import type { Container } from '../container.ts';
import { AppError } from '../errors.ts';
import type { GrantStatus } from '../store/admin-role-grants.ts';
import { parseOptions, UsageError, type CommandIO } from './io.ts';
import type { CliOperator } from './operator.ts';

const STATUSES: GrantStatus[] = ['pending', 'active', 'revoked'];

async function personId(c: Container, ref: string | undefined, option: string): Promise<string> {
  if (!ref) throw new UsageError(`--${option} needs a person id, mobile number or ID number`);
  const person = await findPerson(c.persons, ref);
  if (!person) throw new AppError('admin.person_not_found', `no account for --${option}`);
  return person.id;
}

function print(io: CommandIO, g: GrantView): void {
  const platforms = g.platforms.length ? `\tplatforms ${g.platforms.join(',')}` : '';
  const by = g.bootstrap ? 'bootstrap' : `requested by ${g.requestedBy}`;
  const revoking = g.revocationRequestedBy && g.status === 'active' ? `\trevocation requested by ${g.revocationRequestedBy}, awaiting approval` : '';
  io.out(`${g.id}\t${g.status}\t${g.role}\tperson ${g.personId}\t${by}${g.approvedBy ? `\tapproved by ${g.approvedBy}` : ''}${platforms}${revoking}`);
}

export async function bootstrapCommand(args: string[], io: CommandIO, c: Container): Promise<number> {
  const { values } = parseOptions(args, { person: { type: 'string' }, 'security-admin': { type: 'string' } });
  const grants = await c.roleGrants.bootstrap({
    systemAdmin: await personId(c, values.person, 'person'),
    securityAdmin: await personId(c, values['security-admin'], 'security-admin'),
  }, { via: 'cli' });
  for (const g of grants) print(io, g);
  io.out('founders in force; every further role needs a request and a second administrator\'s approval');
  return 0;
}

export async function adminCommand(args: string[], io: CommandIO, c: Container, op: CliOperator): Promise<number> {
  const [group, sub, ...rest] = args;
  if (group !== 'roles') throw new UsageError(`unknown admin command: ${group ?? '(none)'}`);
  const { values, positionals } = parseOptions(rest, {
    person: { type: 'string' }, role: { type: 'string' }, platform: { type: 'string', multiple: true }, reason: { type: 'string' },
    status: { type: 'string' }, json: { type: 'boolean' },
  });
  if (sub === 'list') {
    const status = values.status as GrantStatus | undefined;
    if (status && !STATUSES.includes(status)) throw new UsageError(`--status: ${STATUSES.join(', ')}`);
    const list = await c.roleGrants.list({ ...(status ? { status } : {}), ...(values.person ? { personId: await personId(c, values.person, 'person') } : {}) });
    if (values.json) io.out(JSON.stringify(list, null, 2));
    else for (const g of list) print(io, g);
    return 0;
  }
  // Changing roles is always a named person's act, in development too.
  if (!op.personId) throw new AppError('admin.operator_required', 'name the operator with --operator or YIHAO_OPERATOR');
  const by = { personId: op.personId, detail: op.detail };
  const grantId = () => {
    const id = positionals[0];
    if (!id) throw new UsageError(`admin roles ${sub} needs a grant id (see \`admin roles list\`)`);
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('admin.grant_not_found', 'not a grant id');
    return id.toLowerCase();
  };
  let result: GrantView;
  switch (sub) {
    case 'request':
      if (!values.role) throw new UsageError('admin roles request needs --role');
      result = await c.roleGrants.request(by, { personId: await personId(c, values.person, 'person'), role: values.role, platforms: values.platform ?? [], reason: values.reason });
      break;
    case 'approve':
      result = await c.roleGrants.approve(by, grantId());
      break;
    case 'revoke':
      result = await c.roleGrants.revoke(by, grantId(), values.reason);
      break;
    default:
      throw new UsageError(`unknown admin roles command: ${sub ?? '(none)'}`);
  }
  if (values.json) io.out(JSON.stringify(result, null, 2));
  else print(io, result);
  return 0;
}
