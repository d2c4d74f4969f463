import { type Logger, pino } from 'pino';
import { getSettings } from './config.js';

export type { Logger };

/**
 * One JSON logger per process. Webhook-scoped lines come from `logger.child({ webhookId,
 * provider, eventType, attempt })`. Writes to process.stdout (not fd 1 directly) so the local
 * emulator can collect each function's output, as CloudWatch does on AWS.
 */
export const logger: Logger = pino(
  {
    level: getSettings().logLevel,
    base: { fn: process.env.AWS_LAMBDA_FUNCTION_NAME },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Signatures are not secrets, but nothing about them helps a reader of the logs either.
    redact: {
      paths: ['headers["stripe-signature"]', 'headers["webhook-signature"]', '*.secret'],
      censor: '[redacted]',
    },
  },
  process.stdout,
);

/** The fields of an error that are safe to log: never a stack of a secret-bearing message. */
export function errorFields(error: unknown): {
  errorName: string;
  errorCode?: string;
  errorMessage: string;
} {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      errorName: error.name,
      ...(typeof code === 'string' ? { errorCode: code } : {}),
      errorMessage: error.message,
    };
  }
  return { errorName: 'NonError', errorMessage: String(error) };
}
