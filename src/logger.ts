/** Structured logs (pino). Bodies, cookies and auth headers are never logged. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.password', '*.idNumber', '*.id_number', '*.client_secret'],
      censor: '[redacted]',
    },
  });
}
