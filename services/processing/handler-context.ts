import { PermanentError, SideEffectHeldError } from '../shared/errors.js';
import { errorFields, type Logger } from '../shared/logger.js';
import type { ProjectionStore } from '../webhooks/projection-store.js';
import type { Webhook } from '../webhooks/webhook.js';

/** A side effect's key: short and printable, since it becomes part of a table key. */
const SIDE_EFFECT_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * What a handler gets besides its event: who and when, where it came from, a logger, the time
 * left, and the two idempotency tools. Never the table, its keys or the queues.
 */
export interface HandlerContext {
  /** The receiver's id of the webhook (the same for every copy the provider sends). */
  readonly webhookId: string;
  readonly provider: string;
  readonly eventType: string;
  /** The provider's own event id (`evt_…`, the delivery or message id). */
  readonly eventId: string;
  /** Provider time: when the event happened, as the provider says (ISO 8601). */
  readonly occurredAt: string;
  /** When the receiver stored it (ISO 8601). */
  readonly receivedAt: string;
  /** 1 for the first attempt, 2 and 3 for the retries; a redrive or replay counts on (4, …). */
  readonly attempt: number;
  /** What started this attempt: the table's stream (the first) or the failed queue (retries). */
  readonly trigger: 'stream' | 'queue';
  /** A child logger that already carries the webhook id, provider, event type and attempt. */
  readonly log: Logger;
  /** Milliseconds before the function is stopped. */
  timeLeftMs(): number;
  /**
   * Records `state` as the resource's latest, unless an event with a later provider time (or
   * the same time and a greater event id) is already recorded: then nothing changes and the
   * answer is `stale`. Applying the same event again answers `applied` again.
   */
  latestWins(resource: string, state: Record<string, unknown>): Promise<'applied' | 'stale'>;
  /**
   * Runs `fn` unless it already succeeded for this webhook under `key`, in this attempt or an
   * earlier one (a retry, a replay): then it returns the result stored that time. The result
   * must be JSON (it is stored). `fn` gets an idempotency key to pass downstream: a crash after
   * `fn` succeeded and before its success is stored runs it again on the next attempt, and
   * only the downstream's own deduplication closes that window.
   */
  once<T>(key: string, fn: (idempotencyKey: string) => Promise<T>): Promise<T>;
}

export interface HandlerContextOptions {
  readonly webhook: Webhook;
  readonly attempt: number;
  readonly trigger: 'stream' | 'queue';
  readonly log: Logger;
  readonly projections: ProjectionStore;
  readonly timeLeftMs: () => number;
}

/** The context of one attempt, and what its helpers found (the default outcome and resource). */
export function createHandlerContext(options: HandlerContextOptions): {
  readonly context: HandlerContext;
  readonly latest: () => { outcome?: 'applied' | 'stale'; resource?: string };
} {
  const { webhook, attempt, projections, log } = options;
  let latest: { outcome?: 'applied' | 'stale'; resource?: string } = {};
  const context: HandlerContext = {
    webhookId: webhook.id,
    provider: webhook.provider,
    eventType: webhook.eventType,
    eventId: webhook.eventId,
    occurredAt: webhook.occurredAt,
    receivedAt: webhook.receivedAt,
    attempt,
    trigger: options.trigger,
    log,
    timeLeftMs: options.timeLeftMs,
    async latestWins(resource, state) {
      const outcome = await projections.applyProjection(resource, {
        at: webhook.occurredAt,
        id: webhook.eventId,
        type: webhook.eventType,
        state,
      });
      latest = { outcome, resource };
      return outcome;
    },
    async once<T>(key: string, fn: (idempotencyKey: string) => Promise<T>): Promise<T> {
      if (!SIDE_EFFECT_KEY.test(key)) {
        throw new PermanentError(
          `once(): "${key.slice(0, 40)}" is not a key: use 1 to 200 printable ASCII characters without spaces.`,
        );
      }
      const start = await projections.beginSideEffect(webhook.id, key, attempt);
      if (start.state === 'done') {
        log.info({ event: 'side-effect.skipped', key }, 'side effect already done');
        return start.result as T;
      }
      if (start.state === 'held') {
        throw new SideEffectHeldError(
          `The side effect "${key}" is running in attempt ${start.attempt}; retrying later.`,
          { context: { webhookId: webhook.id, key } },
        );
      }
      let result: T;
      try {
        result = await fn(`${webhook.id}:${key}`);
      } catch (error) {
        try {
          await projections.endSideEffect(webhook.id, key, attempt, { done: false });
        } catch (releaseError) {
          // Still held by this attempt: the next attempt takes it over (a newer attempt may).
          log.warn(
            { event: 'side-effect.release-failed', key, ...errorFields(releaseError) },
            'could not release the side effect',
          );
        }
        throw error;
      }
      await projections.endSideEffect(webhook.id, key, attempt, { done: true, result });
      log.info({ event: 'side-effect.done', key }, 'side effect done');
      return result;
    },
  };
  return { context, latest: () => latest };
}
