/** What a CLI command needs from its surroundings, so tests can run commands in-process. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
  readStdin(): Promise<string>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
