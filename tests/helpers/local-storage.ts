import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pino } from 'pino';
import { inject } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/emulator.js';
import { localClientConfig } from '../../emulator/local-aws.js';
import { openWebhookTable, type WebhookTable } from '../../services/webhooks/webhook-table.js';

export interface LocalStorage {
  readonly emulator: RunningEmulator;
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The table's ledger, projection store and attention index, with an optional clock. */
  store(options?: { now?: () => Date }): WebhookTable;
  stop(): Promise<void>;
}

/**
 * The stack's tables and queues, provisioned from the synthesized template, and no functions
 * running: integration tests drive the domain code themselves. They live in the run's shared
 * DynamoDB Local and fauxqs (./global-storage.ts) under a stack name of this call's own, so no
 * other file sees them; outside that setup, this call starts its own DynamoDB Local and fauxqs.
 */
export async function startLocalStorage(): Promise<LocalStorage> {
  const shared = inject('localAws');
  const emulator = await startEmulator({
    apiPort: 0,
    dynamodbPort: 0,
    sqsPort: 0,
    storageOnly: true,
    logger: pino({ level: 'warn' }),
    ...(shared
      ? {
          storage: shared,
          assemblyDir: shared.assemblyDir,
          stackName: uniqueStackName(),
        }
      : {}),
  });
  const client = new DynamoDBClient(localClientConfig(emulator.endpoints.dynamodb));
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const tableName = emulator.outputs.TableName!;
  return {
    emulator,
    documentClient,
    tableName,
    store: (options = {}) =>
      openWebhookTable({ client: documentClient, tableName, retentionDays: 7, ...options }),
    async stop() {
      client.destroy();
      await emulator.stop();
    },
  };
}

/** A stack name no other file of the run uses: its tables and queues are this file's own. */
export function uniqueStackName(): string {
  return `WebhookTest-${randomUUID().slice(0, 8)}`;
}
