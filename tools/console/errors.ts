import { ReplayRefusedError } from '../operator/replay-webhook.js';
import { TargetUnavailableError } from '../operator/targets.js';
import { WebhookNotFoundError } from '../operator/webhook-detail.js';
import { FilterError } from '../operator/webhook-filter.js';

/** An answer the console gives on purpose: its status and stable error code. */
export class ConsoleRequestError extends Error {
  override readonly name = 'ConsoleRequestError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The console's one table of errors to answers. The operator module's errors carry messages
 * written for the operator (they say what to do), so they are shown; anything else is a 500
 * whose message stays in the log.
 */
export function consoleErrorAnswer(error: unknown): {
  statusCode: number;
  code: string;
  message: string;
} {
  if (error instanceof ConsoleRequestError)
    return { statusCode: error.statusCode, code: error.code, message: error.message };
  if (error instanceof FilterError)
    return { statusCode: 400, code: 'invalid_filter', message: error.message };
  if (error instanceof WebhookNotFoundError)
    return { statusCode: 404, code: 'not_found', message: error.message };
  if (error instanceof ReplayRefusedError)
    return { statusCode: 409, code: 'replay_refused', message: error.message };
  if (error instanceof TargetUnavailableError)
    return { statusCode: 503, code: 'target_unavailable', message: error.message };
  const fastifyStatus = (error as { statusCode?: number }).statusCode;
  if (fastifyStatus !== undefined && fastifyStatus >= 400 && fastifyStatus < 500)
    return {
      statusCode: fastifyStatus,
      code: 'invalid_request',
      message: 'The request is malformed (see the console for what each route takes).',
    };
  return {
    statusCode: 500,
    code: 'internal_error',
    message: 'The console failed to answer; its log has the reason.',
  };
}
