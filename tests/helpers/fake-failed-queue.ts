import type { FailedQueue } from '../../services/webhooks/failed-queue.js';
import type { Webhook } from '../../services/webhooks/webhook.js';

/** A failed queue for unit tests: records what was sent, or fails as told. */
export class FakeFailedQueue implements FailedQueue {
  readonly sent: Array<{ id: string; queueToken: string; delaySeconds?: number }> = [];
  readonly delayed: Array<{ receiptHandle: string; seconds: number }> = [];
  /** The error the next sends throw, until cleared. */
  failWith: Error | undefined;

  async enqueue(
    webhook: Webhook,
    queueToken: string,
    options: { delaySeconds?: number } = {},
  ): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push({
      id: webhook.id,
      queueToken,
      ...(options.delaySeconds ? { delaySeconds: options.delaySeconds } : {}),
    });
  }

  async delayRedelivery(receiptHandle: string, seconds: number): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.delayed.push({ receiptHandle, seconds });
  }

  tokensOf(id: string): string[] {
    return this.sent.filter((m) => m.id === id).map((m) => m.queueToken);
  }
}
