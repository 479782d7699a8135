/**
 * `person add`: operators create accounts (and test data); the password comes from stdin only.
 * `person disable|enable <id-or-identifier>`: an account by its person id, ID number or mobile.
 * `person close-due`: closes the accounts whose closure request has waited out its cooling-off
 * period (the servers do it every minute; safe to run alongside them).
 */
import type { Container } from '../container.ts';
import { translator } from '../i18n/messages.ts';
import { parseOptions, UsageError, type CommandIO } from './io.ts';
import type { CliOperator } from './operator.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function personIdOf(c: Container, ref: string): Promise<string | undefined> {
  if (UUID.test(ref)) return (await c.persons.get(ref.toLowerCase()))?.id;
  return (await c.persons.findByIdentifier(ref))?.id;
}

async function setStatus(sub: 'disable' | 'enable', rest: string[], io: CommandIO, c: Container, op: CliOperator): Promise<number> {
  const { positionals } = parseOptions(rest, {});
  if (positionals.length !== 1) throw new UsageError(`usage: person ${sub} <person-id | ID number | mobile>`);
  const personId = await personIdOf(c, positionals[0]!);
  if (!personId) {
    io.err('no such person');
    return 1;
  }
  const by = { actor: op.actor, detail: op.detail };
  if (sub === 'enable') {
    await c.accounts.enable(personId, by);
    io.out(`person ${personId} enabled`);
  } else {
    // Sessions end and platforms are told over the back channel before this returns.
    await c.accounts.disable(personId, by);
    io.out(`person ${personId} disabled; sessions ended and tokens revoked`);
  }
  return 0;
}

export async function personCommand(args: string[], io: CommandIO, c: Container, op: CliOperator): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'disable' || sub === 'enable') return setStatus(sub, rest, io, c, op);
  if (sub === 'close-due') {
    if (rest.length) throw new UsageError('usage: person close-due');
    const closed = await c.closures.closeDue(op.actor);
    io.out(`accounts closed: ${closed}`);
    return 0;
  }
  if (sub !== 'add') throw new UsageError(`unknown person command: ${sub ?? '(none)'}`);
  const { values } = parseOptions(rest, {
    name: { type: 'string' },
    'id-number': { type: 'string' },
    phone: { type: 'string' },
    'password-stdin': { type: 'boolean' },
  });
  if (!values['password-stdin']) throw new UsageError('person add reads the password from standard input: pass --password-stdin');
  for (const f of ['name', 'id-number', 'phone'] as const) if (!values[f]) throw new UsageError(`person add needs --${f}`);
  const password = (await io.readStdin()).replace(/\r?\n$/, '');
  const result = await c.persons.register({ name: values.name!, idNumber: values['id-number']!, phone: values.phone!, password });
  const t = translator('en');
  if (!result.ok) {
    for (const [field, code] of Object.entries(result.errors)) io.err(`invalid ${field}: ${t(code!)} (${code})`);
    return 1;
  }
  if (!result.created) {
    io.err('not created: an account with this ID number or mobile number already exists');
    return 1;
  }
  await c.audit.record({ actor: op.actor, action: 'person.added', target: result.personId, detail: op.detail });
  io.out(`person_id: ${result.personId}`);
  return 0;
}
