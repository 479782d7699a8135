/** Runs a CLI command in this process (src/cli/run.ts), capturing its output and exit status. */
import { runCli } from '../../src/cli/run.ts';
import { isAppError } from '../../src/errors.ts';

export async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (s: string) => { out.push(s); }, err: (s: string) => { err.push(s); }, readStdin: async () => '' };
  let code: number;
  try {
    code = await runCli(args, io, env);
  } catch (e) {
    err.push(isAppError(e) ? `error: ${e.message} (${e.code})` : `error: ${(e as Error).message}`);
    code = (e as Error).name === 'UsageError' ? 2 : 1;
  }
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
