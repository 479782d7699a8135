/**
 * The operator's command line: `npm run cli -- <command>`. Exit status is 0 on success, 1 on a
 * failed operation, 2 on bad usage; messages go to stderr, results to stdout.
 */
import { ConfigError } from './config.ts';
import { isAppError } from './errors.ts';
import { UsageError, type CommandIO } from './cli/io.ts';
import { runCli, USAGE } from './cli/run.ts';

const io: CommandIO = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

runCli(process.argv.slice(2), io)
  .then((code) => process.exit(code))
  .catch((err) => {
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof ConfigError) io.err(`error: ${err.message}`);
    else if (isAppError(err)) io.err(`error: ${err.message} (${err.code})`);
    else io.err(`error: ${(err as Error).message}`);
    process.exit(1);
  });
