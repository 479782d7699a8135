/** `person add`: operators create accounts (and test data); the password comes from stdin only. */
import type { Container } from '../container.ts';
import { translator } from '../i18n/messages.ts';
import { parseOptions, UsageError, type CommandIO } from './io.ts';

export async function personCommand(args: string[], io: CommandIO, c: Container): Promise<number> {
  const [sub, ...rest] = args;
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
  await c.audit.record({ actor: 'cli', action: 'person.added', target: result.personId });
  io.out(`person_id: ${result.personId}`);
  return 0;
}
