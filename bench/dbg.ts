// temporary dev harness: start Yihao, prepare inputs, write them to /tmp/benchdbg/inputs.json, wait.
import { openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, throwawayDatabase, tmpDir } from '../test/helpers/env.ts';
import { stop } from './lib/procs.ts';
import { prepareTokens, seed, startYihao, yihaoEnv } from './lib/yihao.ts';

const dir = tmpDir('yh-dbg-');
const logFd = openSync(path.join(dir, 'log'), 'a');
const db = await throwawayDatabase('postgres://postgres@127.0.0.1:5432/postgres');
const yEnv = yihaoEnv(dir, await freePort(), db.url, JSON.parse(process.env.EXTRA ?? '{}'));
const s = await seed(yEnv);
const nodeArgs = process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROF] : [];
const y = await startYihao(yEnv, logFd, nodeArgs);
const p = await prepareTokens(yEnv.ISSUER!, s, 32);
writeFileSync('/tmp/benchdbg/inputs.json', JSON.stringify({ origin: yEnv.ISSUER, dbUrl: db.url, cc: s.cc, web: s.web, person: s.person, ...p }));
console.log('ready', yEnv.ISSUER, dir);
const done = async () => { await stop(y); await db.drop(); process.exit(0); };
process.on('SIGINT', done);
process.on('SIGTERM', done);
