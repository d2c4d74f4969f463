import { TransitionRejectedError } from '../../services/shared/errors.js';
import type { ListAttentionOptions } from '../../services/webhooks/attention-index.js';
import { canTransition } from '../../services/webhooks/status-machine.js';
import type {
  AttemptRecord,
  Webhook,
  WebhookState,
  WebhookStatus,
} from '../../services/webhooks/webhook.js';
import {
  ATTEMPT_LOG_SIZE,
  attemptLogKey,
  type ClaimOptions,
  type CreateResult,
  claimable,
  type FinishDetails,
  nextAttemptAt,
  type RequeueOptions,
  receivedState,
  type WebhookLedger,
} from '../../services/webhooks/webhook-ledger.js';

type MutableState = { -readonly [K in keyof WebhookState]: WebhookState[K] } & {
  attemptLog: Record<string, AttemptRecord>;
};

/**
 * The lifecycle ledger in memory, for unit tests of the decisions made on top of it (process,
 * sweep, redrive, replay). It passes the same contract tests as the DynamoDB ledger
 * (tests/helpers/webhook-ledger-contract.ts): every check a DynamoDB condition makes is
 * made here before any change, in one synchronous step, so racing callers see the same winners
 * and losers. It also lists the attention index (the sweeper's and redrive's one read of it).
 */
export class InMemoryWebhookLedger implements WebhookLedger {
  readonly #webhooks: Map<string, Webhook>;
  readonly #states: Map<string, MutableState>;
  #now: () => Date;

  constructor(options: { now?: () => Date } = {}, shared?: InMemoryWebhookLedger) {
    this.#now = options.now ?? (() => new Date());
    this.#webhooks = shared ? shared.#webhooks : new Map();
    this.#states = shared ? shared.#states : new Map();
  }

  /** The same items seen with another clock, as the DynamoDB tests open a second store. */
  withClock(now: () => Date): InMemoryWebhookLedger {
    return new InMemoryWebhookLedger({ now }, this);
  }

  /** Moves this ledger's clock (views made by withClock keep theirs). */
  setClock(now: () => Date): void {
    this.#now = now;
  }

  async create(webhook: Webhook): Promise<CreateResult> {
    const stored = this.#webhooks.get(webhook.id);
    if (stored) {
      const state = this.#states.get(webhook.id);
      const receivedSha256 = webhook.body.sha256;
      if (stored.body.sha256 === receivedSha256 || !state) return { outcome: 'duplicate' };
      state.conflicts = (state.conflicts ?? 0) + 1;
      state.lastConflictAt = this.#now().toISOString();
      state.conflictSha256 = receivedSha256;
      return {
        outcome: 'duplicate',
        conflict: {
          storedSha256: stored.body.sha256,
          receivedSha256,
          conflicts: state.conflicts,
        },
      };
    }
    this.#webhooks.set(webhook.id, structuredClone(webhook));
    this.#states.set(webhook.id, { ...receivedState(webhook), attemptLog: {} });
    return { outcome: 'created' };
  }

  async getWebhook(id: string): Promise<Webhook | undefined> {
    const webhook = this.#webhooks.get(id);
    return webhook && structuredClone(webhook);
  }

  async getState(id: string): Promise<WebhookState | undefined> {
    const state = this.#states.get(id);
    return state && structuredClone(state);
  }

  async claim(id: string, options: ClaimOptions): Promise<WebhookState> {
    assertTransition(options.from, 'processing');
    const now = this.#now();
    const state = this.#states.get(id);
    if (!state || !claimable(state, options, now.getTime())) {
      throw rejected(`claim from ${options.from}`, id, state);
    }
    const attempt = state.attempts + 1;
    const at = now.toISOString();
    state.status = 'processing';
    state.attempts = attempt;
    state.leaseExpiresAt = now.getTime() + options.leaseSeconds * 1000;
    state.updatedAt = at;
    delete state.nextAttemptAt;
    state.version += 1;
    state.attemptLog[attemptLogKey(attempt)] = {
      attempt,
      trigger: options.trigger,
      startedAt: at,
    };
    delete state.attemptLog[attemptLogKey(attempt - ATTEMPT_LOG_SIZE)];
    return structuredClone(state);
  }

  async finish(
    id: string,
    attempt: number,
    to: 'completed' | 'failed' | 'dead',
    details: FinishDetails = {},
  ): Promise<WebhookState> {
    assertTransition('processing', to);
    const state = this.#states.get(id);
    if (state?.status !== 'processing' || state.attempts !== attempt) {
      throw rejected(`finish as ${to}`, id, state);
    }
    const now = this.#now();
    const at = now.toISOString();
    const key = attemptLogKey(attempt);
    const entry: AttemptRecord = {
      ...(state.attemptLog[key] as AttemptRecord),
      endedAt: at,
      result: to,
    };
    state.status = to;
    state.updatedAt = at;
    state.version += 1;
    delete state.leaseExpiresAt;
    let logged = entry;
    if (details.outcome) {
      state.outcome = details.outcome;
      logged = { ...logged, outcome: details.outcome };
    }
    if (details.resource) state.resource = details.resource;
    if (details.error) {
      const error = { ...details.error, attempt, at };
      state.lastError = error;
      logged = { ...logged, error };
    }
    if (details.queueToken) state.queueToken = details.queueToken;
    if (to === 'failed' && details.retryAfterSeconds !== undefined) {
      state.nextAttemptAt = nextAttemptAt(now, details.retryAfterSeconds);
    }
    state.attemptLog[key] = logged;
    return structuredClone(state);
  }

  async requeue(id: string, options: RequeueOptions): Promise<WebhookState> {
    assertTransition(options.from, 'failed');
    const state = this.#states.get(id);
    if (!state || state.status !== options.from || state.version !== options.expectedVersion) {
      throw rejected(`requeue from ${options.from}`, id, state);
    }
    const at = this.#now().toISOString();
    state.status = 'failed';
    state.updatedAt = at;
    state.version += 1;
    state.queueToken = options.queueToken;
    delete state.leaseExpiresAt;
    delete state.nextAttemptAt;
    if (options.queued) state.queuedToken = options.queueToken;
    else delete state.queuedToken;
    if (options.reason) state.lastError = { ...options.reason, attempt: options.attempt ?? 0, at };
    return structuredClone(state);
  }

  async markEnqueued(id: string, queueToken: string): Promise<WebhookState> {
    const state = this.#states.get(id);
    if (!state || state.queueToken !== queueToken) throw rejected('mark enqueued', id, state);
    state.queuedToken = queueToken;
    state.queuedAt = this.#now().toISOString();
    return structuredClone(state);
  }

  /** What the attention index would answer: not completed, newest first by `updatedAt#id`. */
  async listAttention(
    status: Exclude<WebhookStatus, 'completed'>,
    options: ListAttentionOptions = {},
  ): Promise<WebhookState[]> {
    const sortKey = (s: WebhookState) => `${s.updatedAt}#${s.id}`;
    const found = [...this.#states.values()]
      .filter((s) => s.status === status)
      .filter((s) => options.updatedBefore === undefined || sortKey(s) < options.updatedBefore)
      .filter((s) => options.updatedSince === undefined || sortKey(s) >= options.updatedSince)
      .filter((s) => options.provider === undefined || s.provider === options.provider)
      .sort((a, b) => sortKey(b).localeCompare(sortKey(a)))
      .map((s) => structuredClone(s) as WebhookState);
    return options.limit === undefined ? found : found.slice(0, options.limit);
  }
}

function assertTransition(from: WebhookStatus, to: WebhookStatus): void {
  if (!canTransition(from, to)) throw new Error(`Invalid status transition ${from} → ${to}`);
}

function rejected(intent: string, id: string, state: MutableState | undefined) {
  const current = state && (structuredClone(state) as WebhookState);
  return new TransitionRejectedError(
    `Cannot ${intent}: the webhook is ${current?.status ?? 'missing'}.`,
    { context: { webhookId: id, current } },
  );
}
