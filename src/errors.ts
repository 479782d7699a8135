/**
 * Typed application errors with stable string codes. Domain modules throw these;
 * src/http/error-handler.ts is the one place that maps them to HTTP responses.
 */
export type ErrorKind =
  | 'invalid_input' // 400: the caller sent something malformed
  | 'unauthorized' // 401: missing or bad credentials
  | 'forbidden' // 403: authenticated but not allowed
  | 'not_found' // 404
  | 'conflict' // 409: state does not allow it
  | 'rate_limited' // 429
  | 'unavailable' // 503: a dependency (channel, database) cannot answer now
  | 'internal'; // 500

export class AppError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: ErrorKind, code: string, message?: string, details?: Record<string, unknown>) {
    super(message ?? code);
    this.name = 'AppError';
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
