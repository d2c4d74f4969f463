import { randomUUID } from 'node:crypto';
import type { Processor } from '../processors/processor.js';
import { InjectedFaultError, PermanentError, TransitionRejectedError } from '../shared/errors.js';
import { errorFields, type Logger } from '../shared/logger.js';
import type { FailedQueue } from './failed-queue.js';
import { injectedFaults } from './fault-injection.js';
import type { OperatorNotifier } from './operator-notifier.js';
import type { ProjectionStore } from './projection-store.js';
import { scheduleRetry } from './schedule-retry.js';
import type { FailureKind, Outcome, Webhook, WebhookState } from './webhook.js';
import { type PayloadStore, readWebhookBody } from './webhook-body.js';
import type { WebhookLedger } from './webhook-ledger.js';

export interface ProcessDependencies {
  readonly ledger: WebhookLedger;
  /** What processors may touch; they never see the ledger. */
  readonly projections: ProjectionStore;
  readonly failedQueue: FailedQueue;
  readonly notifier: OperatorNotifier;
  readonly processors: readonly Processor[];
  /** Where claim-checked bodies are read from (absent: the stack has no payload bucket). */
  readonly payloads?: Pick<PayloadStore, 'get'>;
  readonly leaseSeconds: number;
  readonly faultInjection: boolean;
  readonly log: Logger;
}

/** Where an attempt came from: the first one from the table's stream, the retries from SQS. */
export type AttemptTrigger =
  | { readonly source: 'stream' }
  | {
      readonly source: 'queue';
      readonly receiveCount: number;
      readonly maxReceiveCount: number;
      /** The token the message carries; only the status's current token may claim. */
      readonly queueToken: string;
    };

/**
 * `ack: true` means the trigger may forget this record (SQS deletes it, the stream moves on);
 * `ack: false` means report it as a batch item failure so the trigger delivers it again.
 */
export interface AttemptReport {
  readonly ack: boolean;
  readonly result: 'completed' | 'failed' | 'dead' | 'skipped' | 'enqueue-failed';
  readonly attempt?: number;
  readonly outcome?: Outcome;
  readonly reason?: string;
}

/**
 * One processing attempt of one webhook, safe to run concurrently and repeatedly: the
 * conditional claim lets exactly one runner own an attempt, and everything after it is
 * conditional on still owning it.
 */
export async function processAttempt(
  deps: ProcessDependencies,
  webhook: Webhook,
  trigger: AttemptTrigger,
): Promise<AttemptReport> {
  const log = deps.log.child({
    webhookId: webhook.id,
    provider: webhook.provider,
    eventType: webhook.eventType,
    trigger: trigger.source,
  });

  let claimed: WebhookState;
  try {
    claimed =
      trigger.source === 'stream'
        ? await deps.ledger.claim(webhook.id, {
            from: 'received',
            leaseSeconds: deps.leaseSeconds,
            trigger: 'stream',
          })
        : await deps.ledger.claim(webhook.id, {
            from: 'failed',
            leaseSeconds: deps.leaseSeconds,
            trigger: 'queue',
            queueToken: trigger.queueToken,
          });
  } catch (error) {
    if (!(error instanceof TransitionRejectedError)) throw error;
    const current = error.context.current as WebhookState | undefined;
    return handleLostClaim(deps, webhook, trigger, current, log);
  }

  const attempt = claimed.attempts;
  const attemptLog = log.child({ attempt });
  attemptLog.info({ event: 'attempt.started' }, 'processing attempt started');

  try {
    const result = await runProcessor(deps, webhook, attempt);
    await deps.ledger.finish(webhook.id, attempt, 'completed', result);
    attemptLog.info(
      { event: 'attempt.completed', outcome: result.outcome, resource: result.resource },
      'webhook completed',
    );
    return { ack: true, result: 'completed', attempt, outcome: result.outcome };
  } catch (error) {
    if (error instanceof TransitionRejectedError) {
      // Our lease ran out and another runner took the webhook over; its result stands.
      attemptLog.warn(
        { event: 'attempt.superseded', ...errorFields(error) },
        'attempt lost ownership',
      );
      return { ack: true, result: 'skipped', attempt, reason: 'superseded' };
    }
    return recordFailure(deps, webhook, trigger, attempt, error, attemptLog);
  }
}

async function runProcessor(deps: ProcessDependencies, webhook: Webhook, attempt: number) {
  if (deps.faultInjection) {
    const faults = injectedFaults(webhook.headers);
    if (faults.hangAttempts.includes(attempt)) await new Promise(() => {});
    if (attempt <= faults.failAttempts) {
      throw new InjectedFaultError(
        `Injected failure of attempt ${attempt} of ${faults.failAttempts}.`,
      );
    }
  }
  // The one point where processing obtains the payload: inline or claim-checked alike. A body
  // that cannot be read fails the attempt as transient (PayloadUnavailableError).
  const { body: _stored, ...envelope } = webhook;
  const loaded = { ...envelope, payload: await readWebhookBody(webhook, deps.payloads) };
  const processor = deps.processors.find((p) => p.handles(loaded));
  if (!processor) return { outcome: 'ignored' as const };
  return processor.process(loaded, { projections: deps.projections });
}

async function recordFailure(
  deps: ProcessDependencies,
  webhook: Webhook,
  trigger: AttemptTrigger,
  attempt: number,
  error: unknown,
  log: Logger,
): Promise<AttemptReport> {
  const fields = errorFields(error);
  const kind = failureKind(error);
  const lastError = {
    code: fields.errorCode ?? fields.errorName,
    message: fields.errorMessage.slice(0, 1000),
    kind,
  };

  if (kind === 'permanent') {
    // No retry can succeed: dead now. From the stream nothing was queued, so the record is
    // done; from the queue the message is left for SQS to move to the DLQ, as for any dead
    // webhook. Redrive brings either back (a new message when the DLQ has none).
    await markDead(deps, webhook, attempt, lastError, log, 'webhook is dead: a permanent failure');
    return { ack: trigger.source === 'stream', result: 'dead', attempt };
  }

  if (trigger.source === 'stream') {
    const queueToken = randomUUID();
    await deps.ledger.finish(webhook.id, attempt, 'failed', { error: lastError, queueToken });
    log.warn({ event: 'attempt.failed', ...fields }, 'processing attempt failed; queueing a retry');
    return sendRetry(deps, webhook, attempt, queueToken, log);
  }

  // The queue's redrive policy moves the message to the DLQ on the receive after this one.
  if (trigger.receiveCount < trigger.maxReceiveCount) {
    await deps.ledger.finish(webhook.id, attempt, 'failed', { error: lastError });
    log.warn({ event: 'attempt.failed', ...fields }, 'processing attempt failed; SQS will retry');
    return { ack: false, result: 'failed', attempt };
  }
  await markDead(
    deps,
    webhook,
    attempt,
    lastError,
    log,
    'webhook is dead after its last attempt; operator notified',
  );
  return { ack: false, result: 'dead', attempt };
}

/**
 * Permanent: the processor said so (PermanentError), or DynamoDB refused the request for what
 * it holds (a ValidationException, such as a key over its size limit), which no retry changes.
 * Anything else may pass: transient.
 */
export function failureKind(error: unknown): FailureKind {
  if (error instanceof PermanentError) return 'permanent';
  if (error instanceof Error && error.name === 'ValidationException') return 'permanent';
  return 'transient';
}

async function markDead(
  deps: ProcessDependencies,
  webhook: Webhook,
  attempt: number,
  lastError: { code: string; message: string; kind: FailureKind },
  log: Logger,
  message: string,
): Promise<void> {
  const dead = await deps.ledger.finish(webhook.id, attempt, 'dead', { error: lastError });
  log.error({ event: 'webhook.dead', errorCode: lastError.code, kind: lastError.kind }, message);
  try {
    await deps.notifier.webhookDead(webhook, dead);
  } catch (notifyError) {
    // The message still reaches the DLQ, whose depth alarm is the operator's backstop.
    log.error(
      { event: 'notify.failed', ...errorFields(notifyError) },
      'could not notify the operator',
    );
  }
}

/**
 * Sends the failed-queue message carrying the token the status already holds, through
 * scheduleRetry. Not acknowledged unless the message is sent and either confirmed or moot: the
 * stream delivers the record again and the lost-claim path sends it once more.
 */
async function sendRetry(
  deps: ProcessDependencies,
  webhook: Webhook,
  attempt: number,
  queueToken: string,
  log: Logger,
): Promise<AttemptReport> {
  try {
    const scheduled = await scheduleRetry(deps, webhook, { send: { queueToken } });
    if (scheduled.result === 'unconfirmed' && !scheduled.superseded) {
      log.error(
        { event: 'enqueue.unconfirmed', ...errorFields(scheduled.error) },
        'retry sent but not confirmed; the stream delivers the record again',
      );
      return { ack: false, result: 'enqueue-failed', attempt };
    }
    return { ack: true, result: 'failed', attempt };
  } catch (error) {
    // The stream delivers the record again (or the sweeper finds it): it is enqueued once more.
    log.error({ event: 'enqueue.failed', ...errorFields(error) }, 'could not queue the retry');
    return { ack: false, result: 'enqueue-failed', attempt };
  }
}

async function handleLostClaim(
  deps: ProcessDependencies,
  webhook: Webhook,
  trigger: AttemptTrigger,
  current: WebhookState | undefined,
  log: Logger,
): Promise<AttemptReport> {
  const skip = (reason: string, ack = true): AttemptReport => {
    log.info(
      { event: 'attempt.skipped', reason, status: current?.status, attempts: current?.attempts },
      'nothing to do',
    );
    return { ack, result: 'skipped', reason };
  };
  if (!current) return skip('missing');

  if (trigger.source === 'stream') {
    // A failure whose retry message never reached the queue: send it now.
    if (
      current.status === 'failed' &&
      current.queueToken &&
      current.queuedToken !== current.queueToken
    ) {
      const attemptLog = log.child({ attempt: current.attempts });
      return sendRetry(deps, webhook, current.attempts, current.queueToken, attemptLog);
    }
    // An attempt still owns it (or crashed and its lease has not run out yet): ask the stream to
    // deliver the record again; once the lease has run out, the claim takes the webhook over.
    if (current.status === 'processing') return skip('processing under a lease', false);
    return skip(`already ${current.status}`);
  }

  // A message whose token is not the current one was superseded (a duplicate send, a sweeper
  // re-enqueue, a replay): nothing in it is still owed.
  if (current.queueToken !== trigger.queueToken) return skip('superseded message');
  switch (current.status) {
    case 'completed':
      return skip('already completed');
    case 'dead':
      // Leave it to SQS's redrive policy, so that every dead webhook's message is in the DLQ.
      return skip('dead; left for the DLQ', false);
    default:
      // processing under a live lease, or lost a race: try again after the visibility timeout.
      return skip(`currently ${current.status}`, false);
  }
}
