// temporary: run one scenario against the dbg server: tsx bench/dbg-load.ts <name> [seconds]
import { readFileSync } from 'node:fs';
import { runLoad } from './lib/procs.ts';
import { tokenJob, type TokenScenario } from './lib/scenarios.ts';
const i = JSON.parse(readFileSync('/tmp/benchdbg/inputs.json', 'utf8'));
const m = await runLoad(tokenJob(process.argv[2] as TokenScenario, { origin: i.origin, connections: Number(process.env.C ?? 32), warmup: 2, duration: Number(process.argv[3] ?? 10) }, i));
console.log(process.argv[2], JSON.stringify(m));
