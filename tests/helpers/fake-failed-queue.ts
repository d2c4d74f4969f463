import type { FailedQueue } from '../../services/webhooks/failed-queue.js';
import type { Webhook } from '../../services/webhooks/webhook.js';

/** A failed queue for unit tests: records what was sent, or fails as told. */
export class FakeFailedQueue implements FailedQueue {
  readonly sent: Array<{ id: string; queueToken: string }> = [];
  /** The error the next sends throw, until cleared. */
  failWith: Error | undefined;

  async enqueue(webhook: Webhook, queueToken: string): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push({ id: webhook.id, queueToken });
  }

  tokensOf(id: string): string[] {
    return this.sent.filter((m) => m.id === id).map((m) => m.queueToken);
  }
}
