import { errorStatus, type WebhookReceiverError } from './errors.js';

export interface HttpError {
  readonly statusCode: number;
  readonly body: { error: { code: string; message: string } };
}

export function toHttpError(error: unknown): HttpError {
  // Codes and statuses from the one catalogue (errors.ts).
  const statusCode = errorStatus(error);
  if (statusCode !== undefined) {
    const { code, message } = error as WebhookReceiverError;
    return { statusCode, body: { error: { code, message } } };
  }
  // Anything else is our bug or our misconfiguration: say so without details, log the rest.
  return {
    statusCode: 500,
    body: {
      error: {
        code: 'internal_error',
        message: 'The webhook could not be accepted; the sender should retry.',
      },
    },
  };
}
