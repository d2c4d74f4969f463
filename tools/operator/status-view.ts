import type {
  LastError,
  Outcome,
  WebhookState,
  WebhookStatus,
} from '../../services/webhooks/webhook.js';

/** What `webhooks status <id> --json` prints: a stable contract for scripts. */
export interface StatusView {
  readonly id: string;
  readonly provider: string;
  readonly type: string;
  readonly status: WebhookStatus;
  readonly attempts: number;
  readonly receivedAt: string;
  readonly updatedAt: string;
  /**
   * `lastError.kind`: which rule applied (`permanent`, `retry-later`, `transient`). Absent on
   * errors recorded before kinds existed and on the sweeper's and operator's reasons.
   */
  readonly lastError?: LastError;
  /** While `failed` with a retry scheduled: when it is due (ISO 8601); it starts no earlier. */
  readonly nextAttemptAt?: string;
  readonly outcome?: Outcome;
  /** Copies of this event id whose body differed from the kept one. */
  readonly conflicts?: {
    readonly count: number;
    readonly lastAt?: string;
    readonly sha256?: string;
  };
}

export function toStatusView(state: WebhookState): StatusView {
  return {
    id: state.id,
    provider: state.provider,
    type: state.eventType,
    status: state.status,
    attempts: state.attempts,
    receivedAt: state.receivedAt,
    updatedAt: state.updatedAt,
    ...(state.lastError ? { lastError: state.lastError } : {}),
    ...(state.status === 'failed' && state.nextAttemptAt
      ? { nextAttemptAt: state.nextAttemptAt }
      : {}),
    ...(state.status === 'completed' && state.outcome ? { outcome: state.outcome } : {}),
    ...(state.conflicts
      ? {
          conflicts: {
            count: state.conflicts,
            ...(state.lastConflictAt ? { lastAt: state.lastConflictAt } : {}),
            ...(state.conflictSha256 ? { sha256: state.conflictSha256 } : {}),
          },
        }
      : {}),
  };
}
