import { describe, expect, it } from 'vitest';
import type { WebhookState } from '../../../services/webhooks/webhook.js';
import { toStatusView } from '../../../tools/operator/status-view.js';

const state: WebhookState = {
  id: 'id-1',
  provider: 'stripe',
  eventType: 'payment_intent.succeeded',
  status: 'completed',
  attempts: 1,
  receivedAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:01.000Z',
  version: 3,
  outcome: 'applied',
};

describe('the status view (status, show and list --json)', () => {
  it('marks a webhook that had copies with another body', () => {
    expect(
      toStatusView({
        ...state,
        conflicts: 2,
        lastConflictAt: '2026-12-01T00:05:00.000Z',
        conflictSha256: 'ab'.repeat(32),
      }).conflicts,
    ).toEqual({ count: 2, lastAt: '2026-12-01T00:05:00.000Z', sha256: 'ab'.repeat(32) });
  });

  it('says nothing of conflicts when there were none', () => {
    expect(toStatusView(state)).not.toHaveProperty('conflicts');
  });

  it('gives the kind of the last error and, while a retry is pending, when it is due', () => {
    const failed: WebhookState = {
      ...state,
      status: 'failed',
      nextAttemptAt: '2026-12-01T00:00:31.000Z',
      lastError: {
        code: 'retry_later',
        message: 'wait',
        kind: 'retry-later',
        attempt: 1,
        at: '2026-12-01T00:00:01.000Z',
      },
    };
    expect(toStatusView(failed)).toMatchObject({
      nextAttemptAt: '2026-12-01T00:00:31.000Z',
      lastError: { kind: 'retry-later' },
    });
    // Not once the webhook has moved on.
    expect(toStatusView({ ...failed, status: 'processing' })).not.toHaveProperty('nextAttemptAt');
  });
});
