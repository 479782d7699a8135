/**
 * Typed application errors with stable codes from the one table (error-codes.ts), which gives
 * each its HTTP status and texts. Domain modules throw these; src/http/error-handler.ts is the
 * one place that maps them to HTTP responses.
 */
import { ERROR_CODES, type ErrorCode, type HttpErrorStatus } from './error-codes.ts';

export type { ErrorCode } from './error-codes.ts';

/** The broad class of an error, read from its status (for callers that branch on it). */
export type ErrorKind =
  | 'invalid_input' // 400: the caller sent something malformed
  | 'unauthorized' // 401: missing or bad credentials
  | 'forbidden' // 403: authenticated but not allowed
  | 'not_found' // 404
  | 'conflict' // 409: state does not allow it
  | 'rate_limited' // 429
  | 'unavailable' // 503: a dependency (channel, database) cannot answer now
  | 'internal'; // 500

const KIND: Record<HttpErrorStatus, ErrorKind> = {
  400: 'invalid_input', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found',
  409: 'conflict', 429: 'rate_limited', 500: 'internal', 503: 'unavailable',
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: HttpErrorStatus;
  readonly details: Record<string, unknown> | undefined;

  /** `message` is for logs (English, never personal data); people see the table's text. */
  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERROR_CODES[code][2]);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code][0];
    this.details = details;
  }

  get kind(): ErrorKind {
    return KIND[this.status];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
