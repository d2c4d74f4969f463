import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { EventTooLargeError, StorageUnavailableError } from '../../../services/shared/errors.js';
import { toHttpError } from '../../../services/shared/http-errors.js';
import { DynamoDBWebhookLedger } from '../../../services/webhooks/dynamodb-webhook-ledger.js';
import { webhookRecord } from '../../helpers/webhook-record.js';

/* Permanent or transient: how the capture transaction's failures are told apart (a pure unit
 * test: the document client is a stand-in that throws what DynamoDB's SDK throws). */

function ledgerFailingWith(error: unknown) {
  const client = {
    send: async () => {
      throw error;
    },
  } as unknown as DynamoDBDocumentClient;
  return new DynamoDBWebhookLedger({ client, tableName: 't', retentionDays: 7 });
}

const named = (name: string, message: string) => Object.assign(new Error(message), { name });
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('capture storage errors', () => {
  it.each([
    [
      'an item over 400 KB',
      named('ValidationException', 'Item size has exceeded the maximum allowed size'),
    ],
    [
      'a key over its limit',
      named(
        'ValidationException',
        'Size of hashkey has exceeded the maximum size limit of 2048 bytes',
      ),
    ],
    ['a transaction cancelled for validation', cancelled('ValidationError', 'None')],
  ])('%s is permanent: 413 event_too_large, the cause kept for the log', async (_, error) => {
    const refused = await ledgerFailingWith(error)
      .create(webhookRecord())
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EventTooLargeError);
    expect((refused as EventTooLargeError).cause).toBe(error);
    expect(toHttpError(refused)).toMatchObject({
      statusCode: 413,
      body: { error: { code: 'event_too_large' } },
    });
  });

  it.each([
    ['throttling', named('ThrottlingException', 'Rate exceeded')],
    ['provisioned throughput', named('ProvisionedThroughputExceededException', 'exceeded')],
    ['a timeout', named('TimeoutError', 'socket hang up')],
    ['a network error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a throttled transaction', cancelled('ThrottlingError', 'None')],
    ['an internal server error', named('InternalServerError', 'internal')],
  ])('%s is transient: 503 storage_unavailable', async (_, error) => {
    const refused = await ledgerFailingWith(error)
      .create(webhookRecord())
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StorageUnavailableError);
    expect(toHttpError(refused)).toMatchObject({
      statusCode: 503,
      body: { error: { code: 'storage_unavailable' } },
    });
  });

  it('a transaction cancelled because the webhook exists is a duplicate, not an error', async () => {
    expect(
      await ledgerFailingWith(cancelled('ConditionalCheckFailed', 'None')).create(webhookRecord()),
    ).toEqual({ outcome: 'duplicate' });
  });
});
