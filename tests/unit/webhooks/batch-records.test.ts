import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { webhookHandlers } from '../../../services/processing/webhook-handlers.js';
import { processQueueRecords } from '../../../services/webhooks/queue-records.js';
import { processStreamRecords } from '../../../services/webhooks/stream-records.js';
import type { Webhook } from '../../../services/webhooks/webhook.js';
import { toWebhookItem } from '../../../services/webhooks/webhook-item.js';
import { webhookKey } from '../../../stack/table-schema.js';
import { inMemoryProcessDependencies } from '../../helpers/in-memory-process-dependencies.js';
import { InMemoryWebhookLedger } from '../../helpers/in-memory-webhook-ledger.js';
import { webhookRecord } from '../../helpers/webhook-record.js';

/* The partial batch responses of both triggers (Powertools Batch), on the in-memory ledger. */

const byType = webhookHandlers().fallback('stripe', async (_event, context) => {
  if (context.eventType === 'test.fails') throw new Error('downstream unavailable');
});

function harness() {
  const ledger = new InMemoryWebhookLedger();
  const deps = inMemoryProcessDependencies({ ledger, handlers: byType });
  return { ledger, deps };
}

let sequence = 100;
function streamRecord(webhook: Webhook): DynamoDBRecord {
  return {
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: String(++sequence),
      NewImage: marshall({ ...webhookKey(webhook.id), ...toWebhookItem(webhook) }) as NonNullable<
        DynamoDBRecord['dynamodb']
      >['NewImage'],
    },
  };
}

function queueRecord(body: unknown, receiveCount = 1): SQSRecord {
  return {
    messageId: `m${++sequence}`,
    receiptHandle: `rh${sequence}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: String(receiveCount) },
  } as SQSRecord;
}

describe('a stream batch', () => {
  it('reports every record that must come again, and only those', async () => {
    const { ledger, deps } = harness();
    const ok = webhookRecord();
    const leased = webhookRecord();
    await ledger.create(ok);
    await ledger.create(leased);
    await ledger.claim(leased.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    const records = [streamRecord(ok), streamRecord(leased), { dynamodb: { SequenceNumber: '1' } }];

    const failures = await processStreamRecords(deps, records, { concurrency: 1 });

    expect(failures).toEqual([
      { itemIdentifier: records[1]!.dynamodb!.SequenceNumber },
      { itemIdentifier: '1' },
    ]);
    expect((await ledger.getState(ok.id))?.status).toBe('completed');
  });

  it('reports a batch whose every record failed instead of throwing (no bisect as a crash)', async () => {
    const { deps } = harness();
    const failures = await processStreamRecords(
      deps,
      [{ dynamodb: { SequenceNumber: '5' } }, { dynamodb: { SequenceNumber: '6' } }],
      { concurrency: 10 },
    );
    expect(failures).toEqual([{ itemIdentifier: '5' }, { itemIdentifier: '6' }]);
  });
});

describe('a failed-queue batch', () => {
  it('deletes completed and superseded messages, reports failures and malformed ones', async () => {
    const { ledger, deps } = harness();
    const retried = webhookRecord();
    const failing = webhookRecord({ eventType: 'test.fails' });
    for (const w of [retried, failing]) {
      await ledger.create(w);
      await ledger.claim(w.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
      await ledger.finish(w.id, 1, 'failed', {
        error: { code: 'x', message: 'y' },
        queueToken: 't1',
      });
    }
    const records = [
      queueRecord({ id: retried.id, queueToken: 't1', webhook: retried }),
      queueRecord({ id: retried.id, queueToken: 'superseded', webhook: retried }),
      queueRecord({ id: failing.id, queueToken: 't1' }),
      queueRecord('not a message'),
      queueRecord({ id: webhookRecord().id, queueToken: 'x' }),
    ];

    const failures = await processQueueRecords(deps, records, { maxReceiveCount: 2 });

    // In the order the records finished: SQS needs the set, not an order.
    expect(failures.map((f) => f.itemIdentifier).sort()).toEqual(
      [records[2]!.messageId, records[3]!.messageId].sort(),
    );
    expect((await ledger.getState(retried.id))?.status).toBe('completed');
    expect(await ledger.getState(failing.id)).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('reports a batch whose every record failed instead of throwing', async () => {
    const { deps } = harness();
    const records = [queueRecord('x'), queueRecord('y')];
    const failures = await processQueueRecords(deps, records, { maxReceiveCount: 2 });
    expect(failures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.messageId));
  });
});
