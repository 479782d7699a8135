/** `keys list|rotate|retire`: signing keys in KEYS_DIR. Neither needs the database. */
import { ensureSigningKeys, loadSigningKeys, removeRetiredKey, rotateSigningKeys, SIGNING_ALGS, type SigningAlg } from '../crypto/signing-keys.ts';
import { parseOptions, UsageError, type CommandIO } from './io.ts';

export async function keysCommand(args: string[], io: CommandIO, keysDir: string, retainSeconds: number): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseOptions(rest, { alg: { type: 'string', multiple: true } });
  await ensureSigningKeys(keysDir);
  if (sub === 'rotate') {
    const algs = (values.alg ?? [...SIGNING_ALGS]) as SigningAlg[];
    for (const a of algs) if (!SIGNING_ALGS.includes(a)) throw new UsageError(`unknown algorithm ${a}; use ${SIGNING_ALGS.join(' or ')}`);
    const fresh = await rotateSigningKeys(keysDir, retainSeconds, algs);
    for (const k of fresh) io.out(`new active key ${k.jwk.kid} (${k.jwk.alg})`);
    io.out(`previous keys stay published for ${retainSeconds}s; running servers pick up the change within seconds`);
    return 0;
  }
  if (sub === 'retire') {
    const kid = positionals[0];
    if (!kid) throw new UsageError('keys retire needs a key id (see keys list)');
    const outcome = removeRetiredKey(keysDir, kid);
    if (outcome === 'not_found') throw new UsageError(`no key ${kid}`);
    if (outcome === 'active') { io.err(`${kid} is a current key: rotate first, then retire it`); return 1; }
    io.out(`retired ${kid}: no longer published; running servers pick up the change within seconds`);
    return 0;
  }
  if (sub === 'list') {
    for (const k of loadSigningKeys(keysDir, retainSeconds)) {
      io.out(`${k.jwk.kid}\t${k.jwk.alg}\t${k.retiredAt ? `retired ${k.retiredAt}` : 'active'}\tcreated ${k.createdAt}`);
    }
    return 0;
  }
  throw new UsageError(`unknown keys command: ${sub ?? '(none)'}`);
}
